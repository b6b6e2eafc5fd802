def test_laom_labels_head_learns_a_visible_action_at_k1_and_not_through_random_offsets(script):
    """The label path of the real method is wired (a_t reaches W z at k = 1), and LAOM's k ~ U{1..10} hides it."""
    diag = script("results/learner/laom_labels_visible_action.py")
    k1 = diag.run(max_k=1, label_weight=1.0, updates=400, seed=0, every=400)
    k10 = diag.run(max_k=10, label_weight=1.0, updates=400, seed=0, every=400)
    assert k1["curve"][0][1] > 0.9 and k1["final_nmse"] < 0.2
    assert k10["final_nmse"] > 0.6
