"""Expert behaviour policies: RLlib SAC or PPO on proprioceptive state, exported to a framework-light npz."""
