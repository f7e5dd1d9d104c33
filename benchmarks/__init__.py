"""Side-by-side speed and memory benchmarks of autograd_lite against micrograd, PyTorch and
hand-written floats. Run them with ``python -m benchmarks`` (see ``docs/benchmarks.md``)."""
