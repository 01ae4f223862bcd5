"""Regenerate the book's two diagrams: `python images/make_images.py` (writes next to this file)."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

HERE = Path(__file__).resolve().parent


def nested_circles(path):
    """AI contains ML contains DL, drawn as concentric circles."""
    fig, ax = plt.subplots(figsize=(5, 5))
    rings = [
        (3.3, "#dbe9f6", "Artificial Intelligence", "machines doing tasks that need human intelligence"),
        (2.1, "#a9cbe8", "Machine Learning", "learning patterns\nfrom data"),
        (1.0, "#2f6fad", "Deep\nLearning", "neural networks"),
    ]
    for radius, colour, name, note in rings:
        ax.add_patch(Circle((0, 0), radius, facecolor=colour, edgecolor="#1b3a5c", lw=1.5))
    ax.text(0, 2.9, rings[0][2], ha="center", va="center", fontsize=13, weight="bold")
    ax.text(0, 2.6, rings[0][3], ha="center", va="top", fontsize=8)
    ax.text(0, 1.8, rings[1][2], ha="center", va="center", fontsize=12, weight="bold")
    ax.text(0, 1.55, rings[1][3], ha="center", va="top", fontsize=8.5)
    ax.text(0, 0.15, rings[2][2], ha="center", va="center", fontsize=12, weight="bold", color="white")
    ax.text(0, -0.45, rings[2][3], ha="center", va="center", fontsize=8, color="white")
    ax.set(xlim=(-3.4, 3.4), ylim=(-3.4, 3.4), aspect="equal")
    ax.axis("off")
    fig.savefig(path, dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)


def arrow(ax, start, end, **kw):
    """Draw a plain arrow from start to end."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, lw=1.3, **kw))


def single_neuron(path):
    """Inputs, weights, bias, weighted sum, activation, output."""
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = [(0.6, 3.2), (0.6, 2.2), (0.6, 1.2)]
    labels = ["$x_1$", "$x_2$", "$x_n$"]
    weights = ["$w_1$", "$w_2$", "$w_n$"]
    node = (4.0, 2.2)
    for (x, y), lab, w in zip(xs, labels, weights):
        ax.add_patch(Circle((x, y), 0.32, facecolor="#dbe9f6", edgecolor="#1b3a5c"))
        ax.text(x, y, lab, ha="center", va="center", fontsize=13)
        arrow(ax, (x + 0.34, y), (node[0] - 0.62, node[1] + 0.35 * (y - node[1]) / 1.0 * 0.5))
        ax.text((x + node[0]) / 2 - 0.2, (y + node[1]) / 2 + 0.18, w, fontsize=12, color="#b03a2e")
    ax.text(0.6, 1.75, r"$\vdots$", ha="center", va="center", fontsize=13)
    ax.text(0.6, 0.35, "inputs", ha="center", fontsize=10)
    ax.add_patch(Circle(node, 0.6, facecolor="#a9cbe8", edgecolor="#1b3a5c", lw=1.5))
    ax.text(*node, r"$\Sigma$", ha="center", va="center", fontsize=20)
    ax.text(node[0], 1.2, r"$z=\sum_i w_i x_i + b$", ha="center", va="center", fontsize=11)
    ax.text(node[0], 0.35, "weighted sum", ha="center", fontsize=10)
    ax.add_patch(Circle((node[0], 3.9), 0.3, facecolor="#f6e3db", edgecolor="#b03a2e"))
    ax.text(node[0], 3.9, "$b$", ha="center", va="center", fontsize=13)
    ax.text(node[0] + 0.4, 3.9, "bias", va="center", fontsize=10)
    arrow(ax, (node[0], 3.58), (node[0], node[1] + 0.62), color="#b03a2e")
    act = (6.6, 2.2)
    arrow(ax, (node[0] + 0.62, node[1]), (act[0] - 0.55, act[1]))
    ax.add_patch(Circle(act, 0.52, facecolor="#2f6fad", edgecolor="#1b3a5c", lw=1.5))
    ax.text(*act, "$f(z)$", ha="center", va="center", fontsize=13, color="white")
    ax.text(act[0], 0.35, "activation", ha="center", fontsize=10)
    arrow(ax, (act[0] + 0.55, act[1]), (8.4, act[1]))
    ax.text(8.55, act[1], "$y = f(z)$", va="center", fontsize=13)
    ax.text(8.9, 0.35, "output", ha="center", fontsize=10)
    ax.set(xlim=(0, 9.6), ylim=(0, 4.4), aspect="equal")
    ax.axis("off")
    fig.savefig(path, dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)


def favicon(path):
    """A 64-pixel icon: three inputs feeding one neuron."""
    fig, ax = plt.subplots(figsize=(1, 1))
    for y in (0.2, 0.5, 0.8):
        ax.plot([0.15, 0.7], [y, 0.5], color="#1b3a5c", lw=2.5)
        ax.add_patch(Circle((0.15, y), 0.1, color="#a9cbe8"))
    ax.add_patch(Circle((0.7, 0.5), 0.22, color="#2f6fad"))
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
    ax.axis("off")
    fig.savefig(path, dpi=64, transparent=True)
    plt.close(fig)


def favicon_ico(png, path):
    """The same icon as favicon.ico, for browsers that ask for /favicon.ico at the site root."""
    from PIL import Image

    Image.open(png).save(path, format="ICO", sizes=[(16, 16), (32, 32), (64, 64)])


if __name__ == "__main__":
    nested_circles(HERE / "DL_01.png")
    single_neuron(HERE / "single_neuron.png")
    favicon(HERE / "favicon.png")
    favicon_ico(HERE / "favicon.png", HERE / "favicon.ico")
    print("wrote DL_01.png, single_neuron.png, favicon.png and favicon.ico in", HERE)
