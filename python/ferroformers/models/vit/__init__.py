"""ViT: the image processor (the model lives elsewhere)."""

from .image_processing_vit import ViTImageProcessor

__all__ = ["ViTImageProcessor"]
