"""Replicate's model families: the inputs each model takes, as pydantic options, and their validators."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mediaws.providers.base import ModelInfo, Options, listed_model

PROVIDER_ID = "replicate"
LABEL = "Replicate"

FLUX_ASPECTS = Literal["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"]
PRO_ASPECTS = Literal["custom", "1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3"]
FLUX2_ASPECTS = Literal[
    "match_input_image", "custom", "1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3"
]
IMAGE_FORMAT = Literal["webp", "jpg", "png"]
MINIMAX_VOICES = (
    "Wise_Woman",
    "Friendly_Person",
    "Inspirational_girl",
    "Deep_Voice_Man",
    "Calm_Woman",
    "Casual_Guy",
    "Lively_Girl",
    "Patient_Man",
    "Young_Knight",
    "Determined_Man",
    "Lovely_Girl",
    "Decent_Boy",
    "Imposing_Manner",
    "Elegant_Man",
    "Abbess",
    "Sweet_Girl_2",
    "Exuberant_Girl",
)
MINIMAX_LANGUAGES = Literal[
    "None", "Automatic", "Chinese", "Chinese,Yue", "Cantonese", "English", "Arabic", "Russian", "Spanish",
    "French", "Portuguese", "German", "Turkish", "Dutch", "Ukrainian", "Vietnamese", "Indonesian",
    "Japanese", "Italian", "Korean", "Thai", "Polish", "Romanian", "Greek", "Czech", "Finnish", "Hindi",
    "Bulgarian", "Danish", "Hebrew", "Malay", "Persian", "Slovak", "Swedish", "Croatian", "Filipino",
    "Hungarian", "Norwegian", "Slovenian", "Catalan", "Nynorsk", "Tamil", "Afrikaans",
]  # fmt: skip


class FluxSchnellOptions(Options):
    """black-forest-labs/flux-schnell inputs as Replicate publishes them."""

    aspect_ratio: FLUX_ASPECTS = "1:1"
    num_outputs: int = Field(1, ge=1, le=4)
    num_inference_steps: int = Field(4, ge=1, le=4)
    seed: int | None = None
    output_format: IMAGE_FORMAT = "webp"
    output_quality: int = Field(80, ge=0, le=100)
    go_fast: bool = True
    megapixels: Literal["1", "0.25"] = "1"


class FluxDevOptions(FluxSchnellOptions):
    """black-forest-labs/flux-dev inputs: more steps, guidance, and image-to-image strength."""

    num_inference_steps: int = Field(28, ge=1, le=50)
    guidance: float = Field(3, ge=0, le=10)
    prompt_strength: float = Field(0.8, ge=0, le=1)


def _custom_size_only(aspect_ratio: str, width: int | None, height: int | None) -> None:
    """Flux pro models take width and height together, and only with aspect_ratio 'custom'."""
    custom = aspect_ratio == "custom"
    if custom and (width is None or height is None):
        raise ValueError("aspect_ratio 'custom' needs both width and height")
    if not custom and (width is not None or height is not None):
        raise ValueError("width and height apply only with aspect_ratio 'custom'")


class FluxProOptions(Options):
    """black-forest-labs/flux-1.1-pro inputs; width and height only with aspect_ratio 'custom'."""

    aspect_ratio: PRO_ASPECTS = "1:1"
    width: int | None = Field(None, ge=256, le=1440)
    height: int | None = Field(None, ge=256, le=1440)
    seed: int | None = None
    output_format: IMAGE_FORMAT = "webp"
    output_quality: int = Field(80, ge=0, le=100)
    safety_tolerance: int = Field(2, ge=1, le=5)
    prompt_upsampling: bool = False

    @model_validator(mode="after")
    def _custom_size(self) -> FluxProOptions:
        _custom_size_only(self.aspect_ratio, self.width, self.height)
        return self


class Flux2ProOptions(Options):
    """black-forest-labs/flux-2-pro inputs; width and height only with aspect_ratio 'custom'."""

    aspect_ratio: FLUX2_ASPECTS = "1:1"
    resolution: Literal["match_input_image", "0.5 MP", "1 MP", "2 MP", "4 MP"] = "1 MP"
    width: int | None = Field(None, ge=256, le=2048)
    height: int | None = Field(None, ge=256, le=2048)
    seed: int | None = None
    output_format: IMAGE_FORMAT = "webp"
    output_quality: int = Field(80, ge=0, le=100)
    safety_tolerance: int = Field(2, ge=1, le=5)

    @model_validator(mode="after")
    def _custom_size(self) -> Flux2ProOptions:
        _custom_size_only(self.aspect_ratio, self.width, self.height)
        return self


class Video01Options(Options):
    """minimax/video-01 inputs: 6-second 720p clips, optionally from a first frame."""

    prompt_optimizer: bool = True


class MiniMaxSpeechOptions(Options):
    """minimax/speech-2.6-turbo inputs; voice_id is a system voice or a cloned voice id."""

    voice_id: str = Field("Wise_Woman", min_length=1, max_length=256)
    speed: float = Field(1, ge=0.5, le=2)
    volume: float = Field(1, ge=0, le=10)
    pitch: int = Field(0, ge=-12, le=12)
    emotion: Literal[
        "auto", "happy", "sad", "angry", "fearful", "disgusted", "surprised", "calm", "fluent", "neutral"
    ] = "auto"
    english_normalization: bool = False
    sample_rate: Literal[8000, 16000, 22050, 24000, 32000, 44100] = 32000
    bitrate: Literal[32000, 64000, 128000, 256000] = 128000
    audio_format: Literal["mp3", "wav", "flac", "pcm"] = "mp3"
    channel: Literal["mono", "stereo"] = "mono"
    language_boost: MINIMAX_LANGUAGES = "None"


class MusicGenOptions(Options):
    """meta/musicgen inputs for text-to-music (no melody or continuation input)."""

    model_version: Literal["stereo-melody-large", "stereo-large", "melody-large", "large"] = (
        "stereo-melody-large"
    )
    duration: int = Field(8, ge=1, le=30)
    output_format: Literal["wav", "mp3"] = "wav"
    normalization_strategy: Literal["loudness", "clip", "peak", "rms"] = "loudness"
    temperature: float = Field(1, ge=0)
    top_k: int = Field(250, ge=0)
    top_p: float = Field(0, ge=0, le=1)
    classifier_free_guidance: int = Field(3, ge=0)
    seed: int | None = None


FAMILIES: dict[str, type[Options]] = {
    "flux-schnell": FluxSchnellOptions,
    "flux-dev": FluxDevOptions,
    "flux-1.1-pro": FluxProOptions,
    "flux-2-pro": Flux2ProOptions,
    "minimax-video-01": Video01Options,
    "minimax-speech": MiniMaxSpeechOptions,
    "musicgen": MusicGenOptions,
}


def model_info(model: str) -> ModelInfo:
    """One of our models, or an error naming the ones there are."""
    return listed_model(PROVIDER_ID, LABEL, FAMILIES, model)
