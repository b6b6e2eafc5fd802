import numpy as np

from actors.recorder import EpisodeRecorder


def feed(rec, n, done_at=None):
    rng = np.random.default_rng(0)
    rec.start(np.full((4, 4, 3), 0, np.uint8), np.zeros((4, 4), np.uint8), np.zeros(2, np.float32))
    chunks = []
    for t in range(1, n + 1):
        done = t == done_at
        c = rec.add(rng.normal(size=2).astype(np.float32), 1.0, np.full((4, 4, 3), t % 256, np.uint8),
                    np.zeros((4, 4), np.uint8), np.full(2, t, np.float32), terminated=done, truncated=False)
        if c is not None:
            chunks.append(c)
        if done:
            break
    return chunks


def test_overlapping_chunks_cover_every_transition_once():
    rec = EpisodeRecorder(8, 3, "hopper", "low", 0, "e", labelled=True)
    chunks = feed(rec, 30)
    tail = rec.finish()
    chunks.append(tail)
    frame_times = [c.t0 + np.arange(c.num_frames) for c in chunks]
    for c, times in zip(chunks, frame_times):
        np.testing.assert_array_equal(c.frames[:, 0, 0, 0], times)  # frame value == its time index
        np.testing.assert_array_equal(c.states[:, 0], times)
        assert c.actions.shape[0] == c.num_frames - 1
    for prev, nxt in zip(chunks, chunks[1:]):
        assert nxt.t0 == prev.t0 + prev.num_frames - 3 and nxt.first_new == 3
    assert sum(c.new_transitions for c in chunks) == 30
    assert rec.episode_return == 30.0


def test_episode_end_emits_flagged_chunk():
    rec = EpisodeRecorder(8, 3, "hopper", "low", 0, "e", labelled=False)
    chunks = feed(rec, 100, done_at=11)
    assert chunks[-1].terminated and not chunks[-1].truncated
    assert chunks[-1].t0 + chunks[-1].num_frames - 1 == 11
    assert sum(c.new_transitions for c in chunks) == 11
