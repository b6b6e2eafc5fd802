"""One typed configuration schema (dataclasses) shared by the CLI, YAML files in configs/ and Tune.

Run configs compose the component configs defined next to their code (e.g. `actors.config`). `load_config`
reads YAML, applies dotted `key=value` overrides, checks every key and type, and `save_config` writes the
resolved config next to a run's outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from actors.config import ActorConfig, EnvConfig, PolicyConfig
from learner.lam.learner_config import LAMLearnerConfig
from learner.policy.config import LatentPolicyConfig
from learner.segmenter.config import SegmenterTrainConfig
from protos.seg_client import ClientConfig
from segserver.config import SegServerConfig
# the loader lives in its own module; re-exported here so callers import configs and loading from one place
from masklam.config_loader import (ConfigError, apply_override, from_dict, load_config, parse_override,  # noqa: F401
                                   save_config, to_dict)

@dataclass
class SegmentationConfig:
    """Where the actors' predicted masks come from."""

    mode: str = "local"
    """local: start the service as a subprocess on 127.0.0.1 for the run; remote: use client.address; off: none."""
    client: ClientConfig = field(default_factory=ClientConfig)
    """How actors reach the service (address used in remote mode; deadlines, retries, token, TLS)."""
    server: SegServerConfig = field(default_factory=SegServerConfig)
    """The local service's settings (its host and port are always 127.0.0.1 and a free port)."""

    def __post_init__(self) -> None:
        if self.mode not in ("local", "remote", "off"):
            raise ValueError(f"segmentation.mode must be local, remote or off, got {self.mode!r}")


@dataclass
class FleetConfig:
    """What every pipeline that runs the actor fleet shares."""

    env: EnvConfig = field(default_factory=EnvConfig)
    """The distracting environment."""
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    """Behaviour policy of the actors."""
    actor: ActorConfig = field(default_factory=ActorConfig)
    """Per-actor settings (envs, chunking, restarts, placement)."""
    segmentation: SegmentationConfig = field(default_factory=SegmentationConfig)
    """Predicted masks from the segmentation service (chunks' pred_masks)."""
    actors: int = 2
    """Number of actor processes (Ray actors)."""
    ray_address: str | None = None
    """Ray cluster address; null starts a local Ray."""


@dataclass
class CollectConfig(FleetConfig):
    """`masklam collect`: record a dataset of chunk shards with the actor fleet."""

    steps: int = 20000
    """Total env steps over the fleet."""
    out: str = "data/collect"
    """Output dataset directory (shards, manifests, resolved config, summary)."""
    append: bool = False
    """Add to an existing dataset in `out` (same task, preset and frame size); without it a non-empty `out` is
    refused."""
    resume: bool = False
    """Continue the interrupted collection in `out` up to `steps` committed transitions (masklam/run_dir.py)."""

    RESUME_MAY_CHANGE: ClassVar[tuple[str, ...]] = ("steps", "out", "ray_address", "segmentation")

    def run_directory(self) -> Path:
        return Path(self.out)


@dataclass
class HeldOutConfig:
    """The frozen probe's held-out set (DESIGN.md section 5): test-split videos, unseen env seeds, and actions
    independent of the state, so a latent cannot score by encoding the pose."""

    steps: int = 10_000
    """At least this many recorded env steps (transitions)."""
    min_episodes: int = 10
    """...over at least this many episodes (recording continues until both hold)."""
    seed_offset: int = 10_000
    """Env seed of the held-out set: env.seed + seed_offset (training never uses it)."""
    policy: PolicyConfig = field(default_factory=lambda: PolicyConfig(kind="random"))
    """Behaviour policy of the held-out set: `random` (uniform, state-independent: the default) or `expert` with
    heavy `noise_std` (partly state-dependent: the state probe in the report says how much)."""
    max_rows: int | None = None
    """Cap on probe rows (evenly spaced over the set, whole episodes kept apart); null uses every transition."""

    def __post_init__(self) -> None:
        if self.steps < 1 or self.min_episodes < 3:
            raise ValueError("heldout.steps must be >= 1 and heldout.min_episodes >= 3 (cross-validation)")


@dataclass
class TrainConfig(FleetConfig):
    """`masklam train`: LAM methods trained side by side online from the actors' stream (or offline from shards)."""

    learner: LAMLearnerConfig = field(default_factory=LAMLearnerConfig)
    """Methods, model size and optimisation."""
    updates: int = 2000
    """Learner updates (each trains every method once on the same batch)."""
    minutes: float | None = None
    """Wall-clock budget of the training phase; stops at whichever of updates/minutes comes first."""
    updates_per_call: int = 25
    """Updates per learner call: the progress and TensorBoard granularity."""
    checkpoint_every: int = 250
    """Atomic checkpoint every N updates (and at the end)."""
    checkpoint_seconds: float = 60.0
    """...and at least this often in wall-clock seconds (0: by updates only), so an early Ctrl-C loses little."""
    checkpoint_keep_every: int = 0
    """Also keep every checkpoint whose update count is a multiple of this (0: only the newest three): the points
    of the frozen-probe learning curve that `masklam probe --curve` scores."""
    curve: bool = False
    """`masklam probe` only: score every kept checkpoint on one recorded held-out set and write probe_curve.json
    (and .png), instead of re-scoring the latest checkpoint."""
    min_blocks: int = 256
    """Blocks in the replay before training starts."""
    queue_chunks: int = 32
    """Bound of the actors -> learner queue, in chunks (backpressure beyond it)."""
    learner_cpus: float = 1.0
    """Ray CPUs reserved for the learner actor."""
    learner_gpus: float = 0.0
    """Ray GPUs for the learner actor (set 1 on a GPU node; `learner.device: auto` then uses CUDA)."""
    offline_data: str | None = None
    """Train from this recorded dataset (shards) instead of a live fleet."""
    heldout: HeldOutConfig = field(default_factory=HeldOutConfig)
    """Held-out data of the frozen probe."""
    out: str = "runs/train"
    """Run directory: config, checkpoints/, tensorboard/, results.json, results.md."""
    resume: bool = False
    """Continue from the last checkpoint in out/checkpoints with the same update counter (masklam/run_dir.py)."""

    # the update budget may grow up to learner.total_updates (the cosine schedule's span, fixed by the first run)
    RESUME_MAY_CHANGE: ClassVar[tuple[str, ...]] = (
        "updates", "minutes", "updates_per_call", "checkpoint_every", "checkpoint_seconds", "checkpoint_keep_every",
        "curve", "queue_chunks",
        "learner_cpus", "learner_gpus", "heldout", "out", "ray_address", "segmentation", "actors", "learner.device")

    def run_directory(self) -> Path:
        return Path(self.out)


@dataclass
class PreviewConfig:
    """`masklam preview`: a PNG grid and a GIF of distracted frames with the agent mask outlined."""

    env: EnvConfig = field(default_factory=EnvConfig)
    """The distracting environment."""
    frames: int = 48
    """Frames to roll out with a random policy."""
    grid: int = 4
    """Grid side (grid x grid frames in the PNG)."""
    scale: int = 4
    """Nearest-neighbour upscaling of each frame in the outputs."""
    out: str = "runs/preview"
    """Output directory for preview.png and preview.gif."""
    presets_table: bool = False
    """Instead: write presets.png, one frame of every preset (columns) for every task (rows), same seed and step."""


@dataclass
class QuickstartConfig:
    """`masklam quickstart`: the main job on the embedded default (local Ray, 2 actors)."""

    collect: CollectConfig = field(default_factory=CollectConfig)
    """The data collection stage."""
    preview: PreviewConfig = field(default_factory=PreviewConfig)
    """The preview stage."""
    train: TrainConfig = field(default_factory=TrainConfig)
    """The LAM training stage (the methods side by side) and its frozen probe."""
    train_on_collected: bool = True
    """Train the LAMs offline on the collected dataset (the learner gets every core, no actor competes with it)
    rather than online from a fresh random-action stream (train.offline_data is set to the dataset)."""
    policy_methods: list[str] = field(default_factory=lambda: ["bc", "lapo", "masklam"])
    """Latent-action policies trained on the collected dataset (`bc`: all true labels; LAM methods: latents of the
    trained LAM + decoder); an empty list skips the stage."""
    policy_labels: int = 1000
    """N labelled transitions for the latent policies' decoders."""
    policy: LatentPolicyConfig = field(default_factory=LatentPolicyConfig)
    """Latent BC, decoder and evaluation of the policy stage."""
    bc_reference_iterations: int = 0
    """BC-on-true-labels `train()` calls (0: policy.bc_iterations). The reference gets its own budget: at the
    quickstart's LAM budget the latents carry little to clone, while BC on true labels needs ~2,000 minibatches to
    clearly beat stand-still (results/policy/bc_quickstart_budget_cpu.md)."""
    budget_minutes: float | None = None
    """Scale the whole job to about this many minutes (None: the config as written, ~7 minutes on 2 CPU cores).
    LAM training is capped at 40% of it; collected steps, LAM updates and BC iterations grow with it."""
    runs_dir: str = "runs"
    """Where a new quickstart makes its run directory runs/<timestamp>/ (when `out` is not given)."""
    out: str | None = None
    """Run directory; null makes runs_dir/<timestamp>/."""
    resume: bool = False
    """Finish the interrupted quickstart in `out`: finished stages are skipped, LAM training continues from its
    last checkpoint (masklam/run_dir.py)."""

    RESUME_MAY_CHANGE: ClassVar[tuple[str, ...]] = ("out", "runs_dir")

    def run_directory(self) -> Path | None:
        return Path(self.out) if self.out else None


@dataclass
class SegmenterConfig:
    """`masklam segmenter train`: data, training and export of the default segmentation model."""

    tasks: list[str] = field(default_factory=lambda: ["halfcheetah", "hopper", "walker2d", "humanoid"])
    """Tasks whose frames the model learns."""
    presets: list[str] = field(default_factory=lambda: ["none", "low", "medium", "hard", "causal"])
    """Distractor presets whose frames the model learns."""
    train_frames: int = 1500
    """Training frames per (task, preset), from train-split backgrounds."""
    eval_frames: int = 250
    """Held-out frames per (task, preset): test-split backgrounds and unseen env seeds."""
    size: int = 64
    """Frame size."""
    seed: int = 0
    """Seed of the training data; held-out data uses seed + 10000."""
    max_episode_steps: int = 200
    """Short episodes give more varied poses under a random policy."""
    work_dir: str = "runs/segmenter"
    """Where the generated frame datasets are kept (reused when already complete)."""
    out: str = "segserver/models/unet_v1.onnx"
    """The exported ONNX model; its card is written next to it (.json)."""
    train: SegmenterTrainConfig = field(default_factory=SegmenterTrainConfig)
    """Optimisation settings."""
    ray_address: str | None = None
    """Ray cluster address for data generation; null starts a local Ray."""


@dataclass
class PolicyTrainConfig:
    """`masklam policy train`: label a recorded dataset with a trained LAM, latent BC, decoder, evaluation."""

    data: str = "data/hc_low_expert"
    """Recorded dataset (shards) the policy learns from; latent methods need served masks in it if they use them."""
    method: str = "masklam"
    """A LAM method of `lam_run` (lapo, masklam, masklam_gt, masklam_loss_only, laom, laom_labels) or `bc`
    (behaviour cloning on all true labels, the normalising baseline; with policy.bc_decoder_labels on the
    decoder's N labels only, the few-label baseline)."""
    lam_run: str | None = None
    """Run directory of `masklam train` (config.yaml + checkpoints/) whose frozen IDM labels the data."""
    policy: LatentPolicyConfig = field(default_factory=LatentPolicyConfig)
    """Latent BC, decoder and evaluation settings."""
    out: str = "runs/policy"
    """Run directory: config.yaml, bc_stage.pt, policy.pt, policy.json, results.json."""
    bc_from: str | None = None
    """An earlier `policy train` run directory whose BC stage (bc_stage.pt) this run starts from instead of
    training BC again, e.g. for a label-budget sweep (only the decoder's N differs). Its data, method, lam_run and
    BC settings (policy.model, bc_*, batch_size, lr, lr_schedule, val_*, seed) must equal this run's."""
    ray_address: str | None = None
    """Ray cluster address; null starts a local Ray."""
    resume: bool = False
    """Continue the run in `out`: stages whose outputs exist (labels, bc_stage.pt, policy.pt, evaluation.json) are
    skipped (masklam/run_dir.py)."""

    RESUME_MAY_CHANGE: ClassVar[tuple[str, ...]] = (
        "out", "ray_address", "policy.eval_episodes", "policy.eval_max_steps", "policy.keep_labels", "policy.device")

    def run_directory(self) -> Path:
        return Path(self.out)


@dataclass
class PolicyEvalConfig:
    """`masklam policy eval`: deterministic returns of a policy checkpoint, and a GIF of one rollout."""

    checkpoint: str = "runs/policy/policy.pt"
    """The policy.pt to evaluate."""
    episodes: int = 5
    """Episodes, one per seed `seed`, `seed` + 1, ..."""
    seed: int = 50_000
    """First evaluation env seed."""
    preset: str | None = None
    """Distractor preset (default: the one the policy was trained on)."""
    max_steps: int | None = None
    """Cap on episode length (None: the task's limit)."""
    gif: str | None = None
    """Write a GIF of the first episode's distracted frames here (default: next to the checkpoint)."""
    gif_frames: int = 200
    """Frames in the GIF."""


@dataclass
class TuneGridConfig:
    """`masklam tune`: Ray Tune grid of method x task x seed x label budget on recorded datasets."""

    data: dict[str, str] = field(default_factory=lambda: {"halfcheetah": "data/hc_low_expert"})
    """task -> recorded training dataset (shards, with served masks)."""
    heldout: dict[str, str] = field(default_factory=lambda: {"halfcheetah": "data/hc_low_probe"})
    """task -> recorded held-out dataset (test-split backgrounds, unseen seeds) for the frozen probe."""
    methods: list[str] = field(default_factory=lambda: ["bc", "lapo", "masklam"])
    """Grid axis: `bc` and/or LAM methods."""
    seeds: list[int] = field(default_factory=lambda: [0, 1])
    """Grid axis: seeds of the LAM, BC and decoder."""
    label_budgets: list[int] = field(default_factory=lambda: [128_000])
    """Grid axis: N labelled transitions for the decoder. One trial evaluates all of them on one LAM and one BC
    stage (N changes nothing before the decoder), so each extra budget costs a decoder fit and an evaluation."""
    lam: LAMLearnerConfig = field(default_factory=LAMLearnerConfig)
    """The LAM of each trial (`methods` inside is replaced by the trial's method)."""
    lam_updates: int = 600
    """LAM updates per trial (offline, on the recorded dataset)."""
    probe_rows: int | None = None
    """Cap on the held-out transitions the frozen probe uses (evenly spaced); null uses all of them. The held-out
    dataset must be recorded with state-independent actions (`--policy random`, test split, unseen seed)."""
    policy: LatentPolicyConfig = field(default_factory=LatentPolicyConfig)
    """Latent BC, decoder and evaluation of each trial."""
    cpus_per_trial: float = 1.0
    """Ray CPUs per trial (trials run concurrently as the cluster allows)."""
    gpus_per_trial: float = 0.0
    """Ray GPUs per trial."""
    data_cpus: float = 1.0
    """Ray CPUs kept free of trials for the trials' Ray Data tasks: RLlib's parquet reader lists files with a task
    that always asks for 1 CPU, so a cluster filled with trials would never run it."""
    name: str = "tune"
    """Experiment name: results go to <out>/<name>/."""
    out: str = "runs/tune"
    """Storage path of the experiment."""
    resume: bool = False
    """Restore the interrupted experiment at <out>/<name> (Tuner.restore: finished trials are kept, unfinished ones
    resume from their own checkpoints) instead of starting a new one (masklam/run_dir.py)."""
    ray_address: str | None = None
    """Ray cluster address; null starts a local Ray."""

    SAVED_CONFIG: ClassVar[str] = "grid.yaml"
    RESUME_MAY_CHANGE: ClassVar[tuple[str, ...]] = ("out", "ray_address", "cpus_per_trial", "gpus_per_trial",
                                                    "data_cpus")

    def run_directory(self) -> Path:
        return Path(self.out) / self.name
