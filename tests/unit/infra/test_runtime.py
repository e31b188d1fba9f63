"""Per-job set-up (initlab.infra.runtime): stable seeds, threads and seeding, device choice with a fake environment."""

import logging

import pytest
import torch
from initlab.infra import gpu_slots, runtime


def crc32(data):
    """Bitwise CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the oracle, independent of zlib."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_the_oracle_reproduces_the_published_crc32_check_values():
    assert crc32(b"123456789") == 0xCBF43926  # the standard check value of CRC-32
    assert crc32(b"a") == 0xE8B7BE43


@pytest.mark.parametrize("parts, seed", [
    (("123456789",), 0x4BF43926),  # the check value with its top bit cleared
    (("a",), 0x68B7BE43),
    (("house_prices", "linear", "default", 1), 1467454013),
    (("linear_regression", 0), 740864488),
    (("initializers", "zeros", 2), 392794909),
])
def test_derive_seed_is_the_31_bit_crc32_of_the_parts_joined_by_slashes(parts, seed):
    assert runtime.derive_seed(*parts) == seed
    assert seed == crc32("/".join(map(str, parts)).encode()) & 0x7FFFFFFF


def test_string_wildcards_and_integers_give_the_same_seed():
    """Snakemake hands wildcards over as strings; a test or notebook passes integers."""
    assert runtime.derive_seed("house_prices", "linear", "default", "1") == runtime.derive_seed(
        "house_prices", "linear", "default", 1)
    assert runtime.derive_seed("a", 1) != runtime.derive_seed("a", 2) != runtime.derive_seed("b", 1)


@pytest.fixture
def torch_state():
    """Restore torch's thread count and cuDNN flag changed by configure()."""
    threads, benchmark = torch.get_num_threads(), torch.backends.cudnn.benchmark
    yield
    torch.set_num_threads(threads)
    torch.backends.cudnn.benchmark = benchmark


@pytest.mark.parametrize("threads, seed", [(1, 0), (2, 1467454013)])
def test_configure_sets_threads_and_seeds_the_global_generator(torch_state, caplog, threads, seed):
    torch.backends.cudnn.benchmark = True
    torch.rand(5)  # move the generator on: configure must reset it
    with caplog.at_level(logging.INFO, logger="initlab.infra.runtime"):
        device = runtime.configure(threads=threads, seed=seed, device="cpu")
    assert device == torch.device("cpu")
    assert torch.get_num_threads() == threads
    assert torch.backends.cudnn.benchmark is False
    expected = torch.rand(4, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(torch.rand(4), expected)
    assert f"threads={threads} seed={seed} device=cpu" in caplog.text


def test_same_seed_gives_bit_identical_training_on_cpu(torch_state):
    def train():
        runtime.configure(threads=1, seed=runtime.derive_seed("test", 0), device="cpu")
        net = torch.nn.Linear(4, 1)
        x = torch.randn(16, 4)
        for _ in range(3):
            net.zero_grad()
            torch.nn.functional.dropout(net(x), 0.5).pow(2).mean().backward()
            with torch.no_grad():
                for p in net.parameters():
                    p -= 0.1 * p.grad
        return torch.cat([p.detach().flatten() for p in net.parameters()])

    assert torch.equal(train(), train())


@pytest.fixture
def fresh_claims():
    gpu_slots.release_all()
    runtime._claimed.clear()
    yield
    gpu_slots.release_all()
    runtime._claimed.clear()


def fake_environ(tmp_path, visible):
    return {"CUDA_VISIBLE_DEVICES": visible, gpu_slots.LOCK_DIR_ENV: str(tmp_path / "locks"),
            gpu_slots.WAIT_ENV: "0"}


def test_cpu_is_cpu_even_with_gpus_listed_and_takes_no_slot(tmp_path, fresh_claims):
    env = fake_environ(tmp_path, "0,1")
    assert runtime.resolve_device("cpu", env) == torch.device("cpu")
    assert runtime._claimed == {} and not (tmp_path / "locks").exists()
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1"  # not pinned


@pytest.mark.parametrize("visible", ["", "-1", "-1,0"])
def test_auto_without_a_visible_gpu_is_cpu(tmp_path, fresh_claims, visible):
    assert runtime.resolve_device("auto", fake_environ(tmp_path, visible)) == torch.device("cpu")
    assert runtime._claimed == {}


@pytest.mark.parametrize("visible", ["", "-1"])
def test_cuda_without_a_visible_gpu_names_cuda_visible_devices(tmp_path, fresh_claims, visible):
    with pytest.raises(RuntimeError, match=rf"'cuda' was asked for.*CUDA_VISIBLE_DEVICES='{visible}'"):
        runtime.resolve_device("cuda", fake_environ(tmp_path, visible))


def test_auto_falls_back_to_cpu_and_frees_the_slot_when_torch_has_no_cuda(tmp_path, fresh_claims, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    env = fake_environ(tmp_path, "GPU-abc")
    assert runtime.resolve_device("auto", env) == torch.device("cpu")
    assert runtime._claimed == {}
    assert gpu_slots.try_acquire(["GPU-abc"], 1, tmp_path / "locks") is not None  # the slot was given back
    with pytest.raises(RuntimeError, match="torch sees no usable CUDA device"):
        runtime.resolve_device("cuda", fake_environ(tmp_path, "GPU-xyz"))


@pytest.mark.parametrize("choice", ["gpu", "CPU", "", None])
def test_unknown_choice_lists_the_allowed_ones(choice):
    with pytest.raises(ValueError, match=r"expected one of 'auto', 'cpu', 'cuda'"):
        runtime.resolve_device(choice, {})
