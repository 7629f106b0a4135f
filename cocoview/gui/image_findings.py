"""Findings about one shown image: the model's validation plus what only the pixels tell."""

from __future__ import annotations

from cocoview.model.validation import Finding, has_context, validate_image


def image_findings(ds, image: dict, qimage=None, quick: bool = False) -> list[Finding]:
    """Validation findings for ``image``, plus a size mismatch when the decoded
    picture's size differs from the recorded width/height (often an EXIF
    rotation that other tools apply and training code does not)."""
    findings = list(validate_image(ds, image, quick=quick)) if ds is not None else []
    if qimage is not None and not qimage.isNull():
        real = (qimage.width(), qimage.height())
        recorded = (image.get("width"), image.get("height"))
        if real != recorded:
            rotated = real == (recorded[1], recorded[0])
            hint = " (width and height swapped: EXIF rotation?)" if rotated else ""
            findings.append(Finding(
                severity="warning", code="image-size-mismatch",
                message=(f"image {image.get('id')!r}: the file is {real[0]}×{real[1]} but the dataset "
                         f"records {recorded[0]}×{recorded[1]}{hint}; shown unrotated"),
                image_id=image.get("id")))
    return findings


def findings_complete(ds) -> bool:
    """Whether quick findings include the whole-dataset checks (duplicate ids)."""
    return ds is None or has_context(ds)
