"""Offline speech with espeak-ng: the library shipped by ``espeakng-loader`` via ctypes, else the CLI."""

from __future__ import annotations

import ctypes
import io
import shutil
import subprocess
import threading
import wave
from dataclasses import dataclass
from typing import Any

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
POS_CHARACTER = 1
CHARS_UTF8 = 1
ENDPAUSE = 0x1000
PARAMETER_RATE = 1
PARAMETER_PITCH = 3
EE_OK = 0
EE_NOT_FOUND = 2
BUFFER_MS = 500
DEFAULT_WPM = 175
DEFAULT_PITCH = 50
SAMPLE_WIDTH = 2
INSTALL_HINT = "pip install espeakng-loader (it ships espeak-ng), or install the espeak-ng package"

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_LOCK = threading.Lock()
_UNSET = object()
_LOADED: object = _UNSET


class SpeechEngineMissing(RuntimeError):
    """Neither the espeak-ng library nor its command line could be used."""


class UnknownVoice(ValueError):
    """espeak-ng has no voice by that name."""


@dataclass(frozen=True)
class Pcm:
    """Mono signed 16-bit little-endian samples."""

    samples: bytes
    sample_rate: int
    engine: str = "libespeak-ng"

    @property
    def frames(self) -> int:
        """Number of samples."""
        return len(self.samples) // SAMPLE_WIDTH

    @property
    def duration_seconds(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate


class _Library:
    """The espeak-ng shared library, initialised once for synchronous synthesis."""

    def __init__(self, lib: Any, data_path: str) -> None:
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        rate = lib.espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, data_path.encode(), INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise SpeechEngineMissing(f"espeak-ng could not start with its data at {data_path}.")
        self.lib = lib
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * SAMPLE_WIDTH))
        return 0

    def synthesize(self, text: str, voice: str, wpm: int, pitch: int) -> Pcm:
        """Speak text to samples; one synthesis at a time, the library is not re-entrant."""
        with _LOCK:
            status = self.lib.espeak_SetVoiceByName(voice.encode())
            if status != EE_OK:
                raise UnknownVoice(f"espeak-ng has no voice '{voice}'.")
            self.lib.espeak_SetParameter(PARAMETER_RATE, wpm, 0)
            self.lib.espeak_SetParameter(PARAMETER_PITCH, pitch, 0)
            self._chunks = []
            data = text.encode() + b"\x00"
            status = self.lib.espeak_Synth(
                data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE, None, None
            )
            self.lib.espeak_Synchronize()
            if status != EE_OK:
                raise SpeechEngineMissing(f"espeak-ng failed to synthesize (status {status}).")
            samples = b"".join(self._chunks)
            self._chunks = []
        return Pcm(samples, self.sample_rate)


def _load() -> _Library | None:
    try:
        import espeakng_loader
    except ImportError:
        return None
    try:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path()
    except (OSError, RuntimeError):
        return None
    return _Library(lib, data_path)


def _library() -> _Library | None:
    """The library, loaded and initialised once per process (None when it is not installed)."""
    global _LOADED
    with _LOCK:
        if _LOADED is _UNSET:
            _LOADED = _load()
        return _LOADED if isinstance(_LOADED, _Library) else None


def _cli(text: str, voice: str, wpm: int, pitch: int) -> Pcm:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechEngineMissing(f"Local speech needs espeak-ng: {INSTALL_HINT}.")
    run = subprocess.run(
        [binary, "--stdout", "-v", voice, "-s", str(wpm), "-p", str(pitch), "--stdin"],
        input=text.encode(),
        capture_output=True,
        timeout=300,
        check=False,
    )
    if run.returncode != 0 or not run.stdout.startswith(b"RIFF"):
        message = run.stderr.decode(errors="replace").strip()
        if "voice" in message.lower():
            raise UnknownVoice(f"espeak-ng has no voice '{voice}'.")
        raise SpeechEngineMissing(f"espeak-ng failed: {message or 'no audio'}.")
    with wave.open(io.BytesIO(run.stdout)) as reader:
        return Pcm(reader.readframes(reader.getnframes()), reader.getframerate(), engine="espeak-ng CLI")


def synthesize(
    text: str,
    *,
    voice: str = "en-us",
    wpm: int = DEFAULT_WPM,
    pitch: int = DEFAULT_PITCH,
    use_library: bool = True,
) -> Pcm:
    """Speak text with espeak-ng at words-per-minute and pitch (0-100); falls back to the CLI."""
    library = _library() if use_library else None
    if library is not None:
        return library.synthesize(text, voice, wpm, pitch)
    return _cli(text, voice, wpm, pitch)


def silence(seconds: float, sample_rate: int) -> bytes:
    """Silent samples lasting ``seconds``."""
    return bytes(round(seconds * sample_rate) * SAMPLE_WIDTH)


def wav_bytes(pcm: Pcm) -> bytes:
    """The samples in a WAV container."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(SAMPLE_WIDTH)
        writer.setframerate(pcm.sample_rate)
        writer.writeframes(pcm.samples)
    return buffer.getvalue()
