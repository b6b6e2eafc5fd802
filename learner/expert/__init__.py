"""Expert behaviour policies: RLlib SAC on proprioceptive state, exported to a framework-light npz."""
