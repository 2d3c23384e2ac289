"""Images as the bundles need them: at most an A4 page at 200 dpi (1654 x 2339 pixels, or turned), the size a scan
or a photo of a paper is printed at. Uploads are brought to it when larger (dossiers/uploads.py), so that building a
bundle never decodes a large image; an image stored before that is brought to it when a bundle takes it."""
from __future__ import annotations

import io
import threading

from PIL import Image, ImageOps

A4_AT_200_DPI = (1654, 2339)
JPEG_QUALITY = 88
_DECODING = threading.BoundedSemaphore(1)  # one large decode at a time in a process: its memory stays bounded


def box_for(size: tuple[int, int]) -> tuple[int, int]:
    short, long = A4_AT_200_DPI
    return (long, short) if size[0] > size[1] else (short, long)


def fits(size: tuple[int, int]) -> bool:
    box = box_for(size)
    return size[0] <= box[0] and size[1] <= box[1]


def fit_a4(data: bytes) -> tuple[str, bytes]:
    """(content type, bytes) of a JPEG or PNG larger than A4 at 200 dpi, downscaled to it, turned upright by its EXIF
    orientation, any transparency laid on white, re-encoded without its metadata: grey as PNG, colour as JPEG.
    Decoded once (a JPEG already reduced), reduced in its own mode, made 8-bit and laid on paper only once small: no
    full-size copy is ever made; one such decode at a time in a process."""
    with _DECODING, Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
        kind = image.format
        turned = image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)  # shown turned a quarter
        upright = image.size[::-1] if turned else image.size
        box = box_for(upright)
        stored_box = box[::-1] if turned else box  # the box in the image's own orientation
        if kind == "JPEG":
            image.draft(image.mode if image.mode in ("L", "RGB", "CMYK") else "RGB", stored_box)
        image.load()
        icc = image.info.get("icc_profile")
        small = image
        if small.mode not in ("L", "RGB", "CMYK"):
            # a palette, 1-bit, 16-bit or transparent image: first reduced to 1.5 times the box by taking pixels
            # (in its own mode: no full-size copy, as converting or smoothing with an alpha channel would make)
            near = (stored_box[0] * 3 // 2, stored_box[1] * 3 // 2)
            if small.width > near[0] or small.height > near[1]:
                scale = min(near[0] / small.width, near[1] / small.height)
                small = small.resize((max(1, round(small.width * scale)), max(1, round(small.height * scale))),
                                     Image.Resampling.NEAREST)
            if small.mode not in ("RGBA", "LA"):
                small = _eight_bit(small)
        small.thumbnail(stored_box, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if small is not image:
            small.info["exif"] = image.info.get("exif", b"")
        small = _on_paper(ImageOps.exif_transpose(small))
    out = io.BytesIO()
    if small.mode == "L" and kind == "PNG":  # grey scans and line art compress best as PNG
        small.save(out, "PNG", dpi=(200, 200))
        content_type = "image/png"
    else:  # a colour image (a photo, a scan) as JPEG: a few MB at most whatever it shows
        small.save(out, "JPEG", quality=JPEG_QUALITY, dpi=(200, 200), **({"icc_profile": icc} if icc else {}))
        content_type = "image/jpeg"
    return content_type, out.getvalue()


ORIENTATION = 0x0112  # EXIF


def _eight_bit(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "1":
        return image.convert("L")
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    return image.convert("RGBA" if "A" in image.mode or "a" in image.mode else "RGB")


def _on_paper(image: Image.Image) -> Image.Image:
    """Grey, colour or CMYK with 8 bits a channel; any transparency laid on white paper."""
    if image.mode in ("LA", "La", "RGBA", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper.convert("L") if image.mode in ("LA", "La") else paper
    return image if image.mode in ("L", "RGB", "CMYK") else image.convert("RGB")
