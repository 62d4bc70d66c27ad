"""Train the demo handwritten-digit classifier (small CNN) and export it to ONNX.

Data: scikit-learn's bundled 8x8 digits (values 0..16, 16 = ink; no download), split
stratified 70/30 with a fixed seed. Inputs are scaled to 0..1.

The server feeds the model pictures preprocessed like this (metadata "preprocessing"):
decode -> grayscale -> trim the uniform border -> centre the content in a square with a
small margin -> resize to 8x8 -> pixel / 255.  Users draw digits with a mouse (thick white
strokes on black), so besides the original 8x8 digits the network is trained on versions
that went through the same pipeline: each digit is upscaled 4x, warped a little (rotation,
shear, stretch, elastic), re-drawn with a different stroke width (its centre line traced with
a round pen 3%..35% of the digit's height wide, or a blurred copy cut at a random level),
then trimmed, centred with a random margin and downsampled to 8x8 again.

Writes, next to this script:
  digits/digits.onnx     input "image" float32 [batch, 1, 8, 8], output "probabilities" float32 [batch, 10]
  digits/metadata.json   labels, preprocessing and test metrics for the registry
  digits/samples/*.png   held-out digits (64x64) and two mouse-drawing-like pictures

Run with Debian's Python:  /usr/bin/python3 models/train_digits.py   (1-2 minutes on one CPU core)
"""

import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 7
OUT = Path(__file__).resolve().parent / "digits"
VARIANTS = 12  # augmented copies of each training digit
EPOCHS = 20
SCALE = 4  # digits are re-drawn at 8*SCALE pixels high
RESAMPLE = [Image.LANCZOS, Image.BOX, Image.BILINEAR]


# --------------------------------------------------------------------------- preprocessing

def crop_to_content(img: np.ndarray, margin: float, resample=Image.LANCZOS) -> np.ndarray:
    """What the server does: trim the black border, centre in a square, resize to 8x8.

    img: 2-D float array in 0..1 (white ink on black). margin: per side, as a fraction of
    the content's longer side. Returns an 8x8 float array in 0..1.
    """
    u8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(u8 > 10)  # sharp's default trim threshold
    if len(ys) == 0:
        return np.zeros((8, 8), np.float32)
    crop = u8[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = crop.shape
    side = max(h, w)
    total = side + 2 * round(side * margin)
    canvas = np.zeros((total, total), np.uint8)
    top, left = (total - h) // 2, (total - w) // 2
    canvas[top:top + h, left:left + w] = crop
    small = Image.fromarray(canvas).resize((8, 8), resample)
    return np.asarray(small, np.float32) / 255


def distort(img8: np.ndarray, rng: np.random.Generator, scale: int = SCALE) -> np.ndarray:
    """Upscale an 8x8 digit by `scale` (with room around it) and warp it.

    The warp is a small random rotation / shear / stretch plus a smooth elastic displacement
    (a random 3x3 grid of offsets, interpolated), which varies e.g. the size of a 6's loop.
    """
    big = np.pad(ndimage.zoom(img8, scale, order=1), 4 * scale)
    a = np.deg2rad(rng.uniform(-12, 12))
    shear = rng.uniform(-0.2, 0.2)
    sx, sy = rng.uniform(0.8, 1.2, size=2)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array([[1, shear], [0, 1]])
    m = m @ np.diag([1 / sy, 1 / sx])
    h, w = big.shape
    c = np.array([(h - 1) / 2, (w - 1) / 2])
    grid = np.mgrid[0:h, 0:w].reshape(2, -1).astype(np.float64)
    coords = m @ (grid - c[:, None]) + c[:, None]
    for axis in range(2):  # elastic part: up to ~1 pixel of the 8x8 digit
        offsets = rng.uniform(-1, 1, size=(3, 3)) * scale * 0.8
        coords[axis] += ndimage.zoom(offsets, (h / 3, w / 3), order=3, grid_mode=True, mode="nearest").reshape(-1)
    return ndimage.map_coordinates(big, coords, order=1).reshape(h, w)


def blurred_ink(big: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur a digit and cut it at a random level (low cut = thick strokes), with soft edges."""
    big = ndimage.gaussian_filter(big, sigma=rng.uniform(0.5, 2.0) * SCALE / 4)
    peak = max(big.max(), 1e-6)
    ink = np.clip((big - rng.uniform(0.25, 0.7) * peak) / (0.1 * peak) + 0.5, 0, 1)
    if rng.random() < 0.25:  # an even thicker pen
        k = int(rng.integers(2, SCALE + 2))
        ink = ndimage.grey_dilation(ink, size=(k, k))
    return ink


def skeletonize(masks: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a batch of boolean pictures [n, h, w] down to 1-pixel-wide centre lines."""
    img = np.pad(masks, ((0, 0), (1, 1), (1, 1))).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            p = img
            # the 8 neighbours of every inner pixel, clockwise from north
            n, ne, e, se = p[:, :-2, 1:-1], p[:, :-2, 2:], p[:, 1:-1, 2:], p[:, 2:, 2:]
            s, sw, w, nw = p[:, 2:, 1:-1], p[:, 2:, :-2], p[:, 1:-1, :-2], p[:, :-2, :-2]
            ring = [n, ne, e, se, s, sw, w, nw, n]
            count = sum(ring[:8])
            transitions = sum(((a == 0) & (b == 1)).astype(np.uint8) for a, b in zip(ring, ring[1:]))
            if step == 0:
                side = (n * e * s == 0) & (e * s * w == 0)
            else:
                side = (n * e * w == 0) & (n * s * w == 0)
            remove = (p[:, 1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                img[:, 1:-1, 1:-1][remove] = 0
                changed = True
        if not changed:
            return img[:, 1:-1, 1:-1].astype(bool)


def pen_ink(skeleton: np.ndarray, radius: float) -> np.ndarray:
    """Draw along a skeleton with a round pen of the given radius (antialiased edge)."""
    dist = ndimage.distance_transform_edt(~skeleton)
    return np.clip(radius + 0.5 - dist, 0, 1)


def nearest_upscale(img8: np.ndarray, factor: int = 8) -> np.ndarray:
    return np.kron(img8, np.ones((factor, factor), np.float32))


def shift(img8: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    dy, dx = rng.integers(-1, 2, size=2)
    return np.roll(np.roll(img8, dy, axis=0), dx, axis=1)


def redraw(x: np.ndarray, rng: np.random.Generator, chunk: int = 512) -> np.ndarray:
    """Each 8x8 digit re-drawn large (distorted, new stroke width), then trimmed, centred and resized to 8x8."""
    out = []
    for start in range(0, len(x), chunk):
        bigs = np.stack([distort(img, rng) for img in x[start:start + chunk]])
        smooth = ndimage.gaussian_filter(bigs, sigma=(0, SCALE / 4, SCALE / 4))
        peaks = smooth.max(axis=(1, 2), keepdims=True)
        masks = smooth > rng.uniform(0.35, 0.6, size=(len(bigs), 1, 1)) * peaks
        # keep the small, shallow holes of the 8x8 digits (the loops of 0, 6, 8, 9) open
        dips = ndimage.black_tophat(smooth, size=(1, 2 * SCALE + 1, 2 * SCALE + 1))
        masks &= dips < 0.15 * peaks
        skeletons = skeletonize(masks)
        for big, mask, skeleton in zip(bigs, masks, skeletons):
            if rng.random() < 0.6:  # round pen, 3%..35% of the digit's height wide
                height = np.ptp(np.nonzero(mask.any(axis=1))[0]) + 1
                ink = pen_ink(skeleton, np.exp(rng.uniform(np.log(0.03), np.log(0.35))) * height / 2)
            else:
                ink = blurred_ink(big, rng)
            out.append(crop_to_content(ink, rng.uniform(0, 0.25), RESAMPLE[rng.integers(len(RESAMPLE))]))
    return np.stack(out)


def augment(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Original digits + shifted + trimmed/centred + VARIANTS re-drawn copies of each."""
    shifted = np.stack([shift(img, rng) for img in x])
    cropped = np.stack([crop_to_content(nearest_upscale(img), rng.uniform(0, 0.25),
                                        RESAMPLE[rng.integers(len(RESAMPLE))]) for img in x])
    redrawn = redraw(np.repeat(x, VARIANTS, axis=0), rng)
    return (np.concatenate([x, shifted, cropped, redrawn]),
            np.concatenate([y, y, y, np.repeat(y, VARIANTS)]))


# --------------------------------------------------------------------------- model

class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4x4
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 2x2
            nn.Flatten(), nn.Dropout(0.3),
            nn.Linear(256, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)


def accuracy(model: DigitNet, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        pred = model(torch.from_numpy(x[:, None].astype(np.float32))).argmax(1).numpy()
    return float((pred == y).mean())


# --------------------------------------------------------------------------- sample pictures

def save_png(arr01: np.ndarray, path: Path) -> None:
    Image.fromarray(np.clip(np.rint(arr01 * 255), 0, 255).astype(np.uint8), "L").save(path, optimize=True)


def drawn(kind: str, size: int = 280, pen: int = 22) -> np.ndarray:
    """A mouse-drawing-like picture: thick white stroke on black, antialiased (drawn at 4x)."""
    s = 4
    im = Image.new("L", (size * s, size * s), 0)
    d = ImageDraw.Draw(im)
    if kind == "1":
        x, y0, y1 = size // 2, 50, 230
        d.line([(x * s, y0 * s), (x * s, y1 * s)], fill=255, width=pen * s)
        for y in (y0, y1):  # round caps
            d.ellipse([(x - pen / 2) * s, (y - pen / 2) * s, (x + pen / 2) * s, (y + pen / 2) * s], fill=255)
    elif kind == "0":
        d.ellipse([85 * s, 45 * s, 195 * s, 235 * s], outline=255, width=pen * s)
    return np.asarray(im.resize((size, size), Image.BOX), np.float32) / 255


# --------------------------------------------------------------------------- main

def main() -> None:
    started = time.time()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # faster than 2 threads for a net this small, and reproducible
    rng = np.random.default_rng(SEED)
    data = load_digits()
    x = (data.images / 16).astype(np.float32)
    y = data.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, stratify=y, random_state=SEED)

    xa, ya = augment(x_tr, y_tr, rng)
    print(f"training on {len(xa)} pictures ({len(x_tr)} digits + augmentations), {time.time() - started:.0f}s")

    model = DigitNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=EPOCHS * (len(xa) // 128 + 1))
    xt, yt = torch.from_numpy(xa[:, None]), torch.from_numpy(ya)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model.logits(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        model.eval()
        print(f"epoch {epoch + 1:2d}  loss {total / len(xt):.4f}  test accuracy {accuracy(model, x_te, y_te):.4f}")

    # held-out digits: as they are, and re-inked + through the server-like preprocessing
    test_rng = np.random.default_rng(SEED + 1)
    test_acc = accuracy(model, x_te, y_te)
    x_te_pen = redraw(x_te, test_rng)
    pen_acc = accuracy(model, x_te_pen, y_te)
    print(f"test accuracy {test_acc:.4f} (raw 8x8), {pen_acc:.4f} (re-inked, trimmed, centred)")
    assert test_acc >= 0.95

    # sample pictures
    samples = OUT / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    for old in samples.glob("*.png"):
        old.unlink()
    for label in (3, 5, 7):
        i = int(np.nonzero(y_te == label)[0][0])
        save_png(nearest_upscale(x_te[i]), samples / f"digit-{label}-{i}.png")
        with torch.no_grad():
            p = model(torch.from_numpy(crop_to_content(nearest_upscale(x_te[i]), 0.1)[None, None]))[0]
        assert p.argmax().item() == label, f"sample digit-{label}-{i} misclassified"
    for kind in ("0", "1"):
        pic = drawn(kind)
        save_png(pic, samples / f"drawn-{kind}.png")
        for margin in (0.0, 0.1, 0.2):
            with torch.no_grad():
                p = model(torch.from_numpy(crop_to_content(pic, margin)[None, None]))[0]
            print(f"drawn-{kind}.png margin {margin:.1f} -> {p.argmax().item()} ({p.max().item():.3f})")
            assert p.argmax().item() == int(kind), f"drawn-{kind} misclassified"

    torch.onnx.export(
        model, torch.zeros(1, 1, 8, 8), str(OUT / "digits.onnx"),
        input_names=["image"], output_names=["probabilities"],
        dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=13,
    )
    metadata = {
        "description": "Handwritten digit 0-9 from a picture of white ink on black (small PyTorch CNN "
                       "on scikit-learn's 8x8 digits, trained to cope with thick mouse-drawn strokes).",
        "task": "image-classification",
        "labels": [str(d) for d in range(10)],
        "preprocessing": {
            "type": "image", "width": 8, "height": 8, "channels": 1, "layout": "NCHW",
            "scale": 1 / 255, "mean": [0], "std": [1], "invert": False, "cropToContent": True,
        },
        "metrics": {
            "accuracy": round(test_acc, 4),
            "accuracy_preprocessed": round(pen_acc, 4),
            "test_samples": len(y_te),
            "train_samples": len(y_tr),
        },
        "tags": {"dataset": "sklearn-digits", "trainer": "pytorch", "input": "white-on-black"},
    }
    (OUT / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    print("wrote", ", ".join(str(p.relative_to(OUT.parent)) for p in sorted(OUT.rglob("*.*"))))
    print(f"done in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
