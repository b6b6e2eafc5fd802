"""learner: latent action models (`lam/`), block replay, probes and the frozen-probe protocol (`heldout.py`),
checkpoints, the online learner, latent-action policies (`policy/`), experts (`expert/`), the segmenter
(`segmenter/`)."""
