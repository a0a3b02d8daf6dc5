"""Which devices can train here, and what to call them."""

from __future__ import annotations

import torch


class DeviceUnavailable(RuntimeError):
    """The requested device is not usable on this machine; the message says why."""


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def resolve_device(name: str) -> torch.device:
    """``auto`` picks cuda, then mps, then cpu; an explicit but missing device is an error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            built = torch.version.cuda
            why = f"torch {torch.__version__} " + (
                f"is built for CUDA {built} but finds no GPU" if built else "is a CPU-only build"
            )
            raise DeviceUnavailable(f"CUDA is not available here: {why}; choose cpu or auto")
        return torch.device("cuda", torch.cuda.current_device())
    if name == "mps":
        if not _mps_available():
            raise DeviceUnavailable("Apple MPS is not available here; choose cpu or auto")
        return torch.device("mps")
    if name == "cpu":
        return torch.device("cpu")
    raise DeviceUnavailable(f"unknown device {name!r}; choose auto, cuda, mps or cpu")


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({torch.get_num_threads()} threads)"


def available_devices() -> list[dict[str, object]]:
    """Every device choice with whether it works here, a human name (``detail``) and a
    ``label`` short enough for a narrow select box ("auto (cpu)", "cuda (not here)")."""
    out: list[dict[str, object]] = []
    for name in ("auto", "cuda", "mps", "cpu"):
        try:
            dev = resolve_device(name)
            label = f"auto ({dev.type})" if name == "auto" else name
            out.append(
                {"name": name, "available": True, "detail": device_name(dev), "label": label}
            )
        except DeviceUnavailable as exc:
            label = f"{name} (not here)"
            out.append({"name": name, "available": False, "detail": str(exc), "label": label})
    return out
