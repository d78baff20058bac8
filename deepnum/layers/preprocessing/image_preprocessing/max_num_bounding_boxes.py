"""``MaxNumBoundingBoxes``: a fixed number of boxes per image (Keras's layer)."""

from __future__ import annotations

from typing import Any

from deepnum.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from deepnum.ops.core import convert_to_tensor
from deepnum.ops.numpy import pad

__all__ = ["MaxNumBoundingBoxes"]


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Keep the first ``max_number`` boxes of each image, padding with ``fill_value`` boxes
    and labels when there are fewer; images, labels and masks pass through.

    Args:
        max_number: the number of boxes per image in the output.
        fill_value: the coordinates and label of the padding boxes (default −1).

    Example:
        >>> import numpy as np
        >>> boxes = {"boxes": np.ones((2, 1, 4), "float32"), "labels": np.zeros((2, 1))}
        >>> data = {"images": np.zeros((2, 4, 4, 3), "float32"), "bounding_boxes": boxes}
        >>> out = MaxNumBoundingBoxes(3, bounding_box_format="xyxy")(data)
        >>> out["bounding_boxes"]["boxes"].shape, out["bounding_boxes"]["labels"][0].tolist()
        ((2, 3, 4), [0.0, -1.0, -1.0])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, max_number: int, fill_value: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(max_number) < 1:
            raise ValueError(
                f"MaxNumBoundingBoxes: `max_number` must be ≥ 1. Received: {max_number!r}"
            )
        self.max_number, self.fill_value = int(max_number), int(fill_value)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        return convert_to_tensor(images)

    def transform_labels(self, labels: Any, transformation: Any = None, training: bool = True):
        return labels

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any = None, training: bool = True
    ):
        return segmentation_masks

    def transform_bounding_boxes(
        self, bounding_boxes: dict, transformation: Any = None, training: bool = True
    ) -> dict:
        boxes = convert_to_tensor(bounding_boxes["boxes"])[:, : self.max_number]
        labels = convert_to_tensor(bounding_boxes["labels"])[:, : self.max_number]
        missing = self.max_number - boxes.shape[1]
        if missing > 0:
            boxes = pad(boxes, ((0, 0), (0, missing), (0, 0)), constant_values=self.fill_value)
            widths = ((0, 0), (0, missing)) + ((0, 0),) * (labels.ndim - 2)
            labels = pad(labels, widths, constant_values=self.fill_value)
        out = dict(bounding_boxes)
        out["boxes"], out["labels"] = boxes, labels
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
            if extra:
                raise KeyError(
                    f"There are unsupported keys in `bounding_boxes`: {sorted(extra)}. Only "
                    "`boxes` and `labels` are supported."
                )
            out = dict(input_shape)
            boxes = dict(input_shape["bounding_boxes"])
            for key in ("boxes", "labels"):
                shape = list(boxes[key])
                shape[1] = self.max_number
                boxes[key] = tuple(shape)
            out["bounding_boxes"] = boxes
            return out
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "max_number": self.max_number}
