import gymnasium as gym
import pytest

from actors.envs.tasks import TASKS


@pytest.mark.parametrize("name", sorted(TASKS))
def test_state_positions_match_the_gymnasium_observation_layout(name):
    env = gym.make(TASKS[name].env_id)
    try:
        layout = env.unwrapped.observation_structure
    finally:
        env.close()
    assert TASKS[name].state_positions == layout["qpos"]
