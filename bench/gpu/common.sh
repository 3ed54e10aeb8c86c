# Sourced by run.sh and train.sh on the GPU host, with $here set to the sourcing script's folder and $1 an optional
# path to gpu-bench-linux-x64.tar.xz. Sets $bin to the folder of the self-contained programs, unpacking the archive
# when the script does not already sit beside them.
if [[ -x "$here/MlNetConv.GpuBench" ]]; then
  bin="$here"
else
  archive="${1:-}"
  for candidate in "$archive" "$here/gpu-bench-linux-x64.tar.xz" "$here/../../artifacts/gpu-bench-linux-x64.tar.xz"; do
    [[ -n "$candidate" && -f "$candidate" ]] && archive="$candidate" && break
  done
  [[ -f "$archive" ]] || { echo "no gpu-bench-linux-x64.tar.xz (build it with bench/gpu/pack.sh)" >&2; exit 2; }
  bin="$(mktemp -d)"
  tar -xJf "$archive" -C "$bin"
fi

# cuBLAS: CUDA 13 installs name it libcublas.so.13, often only inside
# the Python environment (nvidia-cublas wheel or torch/lib). Puts its folder on LD_LIBRARY_PATH (libcublasLt beside
# it) and tells the program where it is (MLNETCONV_CUBLAS).
cublas_dir="$("${PYTHON:-python3}" - <<'PY' 2>/dev/null
import glob, os, site, sys
roots = list(site.getsitepackages()) + [site.getusersitepackages()] + sys.path
try:
    import torch
    roots.append(os.path.join(os.path.dirname(torch.__file__), "lib"))
except Exception:
    pass
hits = []
for root in dict.fromkeys(r for r in roots if r and os.path.isdir(r)):
    hits += glob.glob(os.path.join(root, "nvidia", "**", "libcublas.so.*"), recursive=True)
    hits += glob.glob(os.path.join(root, "libcublas.so.*"))
hits = [h for h in hits if "Lt" not in os.path.basename(h)]
hits.sort(key=lambda h: (".so.13" not in h, ".so.12" not in h, h))
print(os.path.dirname(hits[0]) if hits else "")
PY
)"
if [[ -n "$cublas_dir" ]]; then
  export LD_LIBRARY_PATH="$cublas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export MLNETCONV_CUBLAS="$cublas_dir"
  echo "cuBLAS from $cublas_dir"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0
