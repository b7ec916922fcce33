#!/usr/bin/env python3
"""The PyTorch side of Benchmarks/compare_pytorch.sh: the released reference model
(github.com/chaofengc/Face-SPARNet, a checkout given by --reference) on the workloads of
`sparnet-dist bench`, one JSON line per figure with the same field names (median_s, min_s,
max_s, images_per_s, gflops, peak_rss_mib).

Run one workload per process (peak RSS is the process's). Needs torch; torchvision is not
needed: VGG19's feature layers are built here from their published configuration.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time
import types

import torch
from torch import nn
import torch.nn.utils as tutils

WORKLOADS = ["generator-train", "generator-forward", "hd-generator", "hd-discriminator", "vgg", "hd-step"]


def load_reference(path):
    """Imports models.sparnet and models.networks from the checkout without running
    models/__init__.py (which pulls in the training framework)."""
    package = types.ModuleType("models")
    package.__path__ = [os.path.join(path, "models")]
    sys.modules["models"] = package
    from models.sparnet import SPARNet
    from models.networks import MultiScaleDiscriminator
    return SPARNet, MultiScaleDiscriminator


def spectral_norm_every_conv(net):
    # The reference's networks.apply_norm(net, 'spectral_norm').
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            tutils.spectral_norm(m)
    return net


def vgg19_features_to_relu5_4():
    """torchvision's vgg19().features[:36] (configuration 'E'), as PCPFeat slices it."""
    layers, channels = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, v, 3, padding=1), nn.ReLU(inplace=True)]
            channels = v
    slices = [nn.Sequential(*layers[a:b]) for a, b in zip([0, 3, 8, 17, 26], [3, 8, 17, 26, 36])]
    for p in nn.ModuleList(slices).parameters():
        p.requires_grad_(False)
    return slices


def vgg_features(slices, x):
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = ((x + 1) / 2 - mean) / std
    features = []
    for s in slices:
        x = s(x)
        features.append(x)
    return features


def conv_flops(net, x):
    """Forward multiply-add FLOPs of every Conv2d for input x (2·MACs), by hooks."""
    total = [0]

    def hook(m, inputs, output):
        total[0] += 2 * output.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        net(x)
    for h in handles:
        h.remove()
    return total[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", required=True, help="checkout of chaofengc/Face-SPARNet")
    parser.add_argument("--workload", required=True, choices=WORKLOADS)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    SPARNet, MultiScaleDiscriminator = load_reference(args.reference)
    b = args.batch
    flops = None

    def hd_generator():
        g = SPARNet(min_ch=32, max_ch=512, in_size=512, out_size=512, min_feat_size=32, res_depth=10,
                    norm_type="in", att_name="spar", bottleneck_size=4)
        return spectral_norm_every_conv(g)

    def hd_discriminator():
        return spectral_norm_every_conv(MultiScaleDiscriminator(3, n_layers=4, norm_type="in", num_D=3))

    if args.workload in ("generator-train", "generator-forward"):
        net = SPARNet()  # the paper's SPARNet: 32…128 channels, 128², res_depth 10, BN, LeakyReLU
        x, y = torch.rand(b, 3, 128, 128) * 2 - 1, torch.rand(b, 3, 128, 128) * 2 - 1
        flops = conv_flops(net, x)
        if args.workload == "generator-train":
            optimizer = torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.9, 0.99))
            net.train()
            flops *= 3

            def body():
                optimizer.zero_grad()
                nn.functional.mse_loss(net(x), y).backward()
                optimizer.step()
        else:
            net.eval()

            def body():
                with torch.no_grad():
                    net(x)
    elif args.workload == "hd-generator":
        net = hd_generator().train()
        x = torch.rand(b, 3, 512, 512) * 2 - 1
        flops = 3 * conv_flops(net, x)

        def body():
            net.zero_grad()
            net(x).abs().mean().backward()
    elif args.workload == "hd-discriminator":
        net = hd_discriminator().train()
        x = (torch.rand(b, 3, 512, 512) * 2 - 1).requires_grad_(True)
        flops = 3 * conv_flops(net, x)

        def body():
            net.zero_grad()
            x.grad = None
            loss = sum(s[0].mean() + sum(f.abs().mean() for f in s[1]) for s in net(x, return_feat=True))
            loss.backward()
    elif args.workload == "vgg":
        slices = vgg19_features_to_relu5_4()
        x = (torch.rand(b, 3, 512, 512) * 2 - 1).requires_grad_(True)
        y = torch.rand(b, 3, 512, 512) * 2 - 1

        def body():
            x.grad = None
            with torch.no_grad():
                target = vgg_features(slices, y)
            sum(nn.functional.l1_loss(f, t) for f, t in zip(vgg_features(slices, x), target)).backward()
    else:  # hd-step: models/sparnethd_model.py's forward + optimize_parameters, without netH's
        # visual-only forward; batch b per step.
        g, d, slices = hd_generator().train(), hd_discriminator().train(), vgg19_features_to_relu5_4()
        g_opt = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.5, 0.99))
        d_opt = torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.5, 0.99))
        lr, hr = torch.rand(b, 3, 512, 512) * 2 - 1, torch.rand(b, 3, 512, 512) * 2 - 1
        h = [p.detach().clone() for p in g.parameters()]

        def hinge(outputs, real, for_d=True):
            if not for_d:
                return -outputs.mean()
            return nn.functional.relu(1 - outputs).mean() if real else nn.functional.relu(1 + outputs).mean()

        def body():
            sr = g(lr)
            real = d(hr, return_feat=True)
            fake_d = d(sr.detach(), return_feat=False)
            fake_g = d(sr, return_feat=True)
            fake_vgg, real_vgg = vgg_features(slices, sr), vgg_features(slices, hr)
            with torch.no_grad():
                for hp, gp in zip(h, g.parameters()):
                    hp.mul_(0.999).add_(gp, alpha=0.001)
            g_opt.zero_grad()
            loss = nn.functional.l1_loss(sr, hr) * 100
            loss = loss + sum(nn.functional.l1_loss(f, r.detach()) for f, r in zip(fake_vgg, real_vgg))
            loss = loss + sum(sum(nn.functional.l1_loss(f, r.detach()) for f, r in zip(fake_g[i][1], real[i][1]))
                              for i in range(3)) * 10 / 3
            loss = loss + sum(hinge(fake_g[i][0], True, False) for i in range(3)) / 3
            loss.backward()
            g_opt.step()
            d_opt.zero_grad()
            loss_d = sum(0.5 * (hinge(fake_d[i], False) + hinge(real[i][0], True)) for i in range(3)) / 3
            loss_d.backward()
            d_opt.step()

    body()  # warm-up
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        body()
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    figure = {"framework": "pytorch", "torch": torch.__version__, "workload": args.workload, "batch": b,
              "threads": torch.get_num_threads(), "median_s": median, "min_s": min(seconds), "max_s": max(seconds),
              "repeats": len(seconds), "images_per_s": b / median,
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "allocator": "jemalloc" if "jemalloc" in os.environ.get("LD_PRELOAD", "") else "default"}
    if flops:
        figure["gflops"] = flops / median / 1e9
    print(json.dumps(figure, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
