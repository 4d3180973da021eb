"""Base classes of image processors, mirroring transformers' `image_processing_utils.py`: settings saved as
`preprocessor_config.json` under the key "image_processor_type" (the JSON machinery is the shared
`FeatureExtractionMixin`)."""

from __future__ import annotations

from typing import Any, ClassVar

from .feature_extraction_utils import BatchFeature, FeatureExtractionMixin
from .image_utils import ImageInput

IMAGE_PROCESSOR_NAME = "preprocessor_config.json"

# keys other libraries write into preprocessor_config.json that name a class rather than a setting
_CLASS_KEYS = ("feature_extractor_type", "image_processor_type", "processor_class", "auto_map", "_processor_class")

__all__ = ["BaseImageProcessor", "BatchFeature", "ImageProcessingMixin"]


class ImageProcessingMixin(FeatureExtractionMixin):
    """JSON settings of an image processor: to_dict / to_json_string / repr / save_pretrained / from_pretrained."""

    config_name: ClassVar[str] = IMAGE_PROCESSOR_NAME
    type_key: ClassVar[str] = "image_processor_type"

    def __init__(self, **kwargs: Any) -> None:
        # files written for the older feature-extractor classes ("ViTFeatureExtractor") carry their class name
        # under another key; it names a class, not a setting
        for key in _CLASS_KEYS:
            kwargs.pop(key, None)
        super().__init__(**kwargs)


class BaseImageProcessor(ImageProcessingMixin):
    """An image processor: `processor(images, **overrides)` is `processor.preprocess(images, **overrides)`."""

    def __call__(self, images: ImageInput, **kwargs: Any) -> BatchFeature:
        return self.preprocess(images, **kwargs)

    def preprocess(self, images: ImageInput, **kwargs: Any) -> BatchFeature:
        raise NotImplementedError(f"{type(self).__name__} does not implement preprocess()")
