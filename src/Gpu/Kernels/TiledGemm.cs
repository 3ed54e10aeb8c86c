using ILGPU;
using ILGPU.Runtime;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// SGEMM as an ILGPU kernel that runs on every accelerator: 64×64 tiles of C per group of 16×16 threads, each thread
/// accumulating a 4×4 block in registers over K in steps of 16 staged through shared memory. A thread owns rows
/// ty + 16i and columns tx + 16j, so neighbouring threads read neighbouring shared-memory words and write neighbouring
/// columns of C. The batch index is the grid's Z.
/// </summary>
internal sealed class TiledGemm : IGemm
{
    private const int Tile = 64, Step = 16, Threads = 16;

    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmParams> _kernel;

    public TiledGemm(Accelerator accelerator) =>
        _kernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmParams>(Kernel);

    public string Name => "ILGPU tiled SGEMM";

    public void Run(in GemmParams p, int batch, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        if (p.M == 0 || p.N == 0 || batch == 0) return;
        var grid = new Index3D((p.N + Tile - 1) / Tile, (p.M + Tile - 1) / Tile, batch);
        _kernel(new KernelConfig(grid, new Index3D(Threads, Threads, 1)), a, b, c, p);
    }

    public void Dispose() { }

    private static void Kernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmParams p)
    {
        // aTile[kk * Tile + row], bTile[kk * Tile + column]: one step of K.
        var aTile = SharedMemory.Allocate<float>(Step * Tile);
        var bTile = SharedMemory.Allocate<float>(Step * Tile);
        int tx = Group.IdxX, ty = Group.IdxY, thread = ty * Threads + tx;
        int rowBase = Grid.IdxY * Tile, colBase = Grid.IdxX * Tile;
        long aBase = Grid.IdxZ * p.StrideA, bBase = Grid.IdxZ * p.StrideB, cBase = Grid.IdxZ * p.StrideC;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

        for (int k0 = 0; k0 < p.K; k0 += Step)
        {
            // 1024 values of each tile, four per thread; consecutive threads read consecutive addresses of global memory.
            for (int l = 0; l < 4; l++)
            {
                int e = thread + l * Threads * Threads;
                int row, kk;
                if (p.TransA == 0) { row = e / Step; kk = e % Step; }
                else { kk = e / Tile; row = e % Tile; }
                int gr = rowBase + row, gk = k0 + kk;
                float v = 0f;
                if (gr < p.M && gk < p.K) v = p.TransA == 0 ? a[aBase + (long)gr * p.Lda + gk] : a[aBase + (long)gk * p.Lda + gr];
                aTile[kk * Tile + row] = v;

                int col;
                if (p.TransB == 0) { kk = e / Tile; col = e % Tile; }
                else { col = e / Step; kk = e % Step; }
                int gc = colBase + col;
                gk = k0 + kk;
                float w = 0f;
                if (gc < p.N && gk < p.K) w = p.TransB == 0 ? b[bBase + (long)gk * p.Ldb + gc] : b[bBase + (long)gc * p.Ldb + gk];
                bTile[kk * Tile + col] = w;
            }
            Group.Barrier();
            for (int kk = 0; kk < Step; kk++)
            {
                int at = kk * Tile;
                float a0 = aTile[at + ty], a1 = aTile[at + ty + 16], a2 = aTile[at + ty + 32], a3 = aTile[at + ty + 48];
                float b0 = bTile[at + tx], b1 = bTile[at + tx + 16], b2 = bTile[at + tx + 32], b3 = bTile[at + tx + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        Store(c, cBase, p, rowBase + ty, colBase + tx, c00, c01, c02, c03);
        Store(c, cBase, p, rowBase + ty + 16, colBase + tx, c10, c11, c12, c13);
        Store(c, cBase, p, rowBase + ty + 32, colBase + tx, c20, c21, c22, c23);
        Store(c, cBase, p, rowBase + ty + 48, colBase + tx, c30, c31, c32, c33);
    }

    /// <summary>Columns col, col + 16, col + 32, col + 48 of one row of C.</summary>
    private static void Store(ArrayView<float> c, long cBase, GemmParams p, int row, int col, float v0, float v1, float v2, float v3)
    {
        if (row >= p.M) return;
        long at = cBase + (long)row * p.Ldc;
        StoreOne(c, at, p, col, v0);
        StoreOne(c, at, p, col + 16, v1);
        StoreOne(c, at, p, col + 32, v2);
        StoreOne(c, at, p, col + 48, v3);
    }

    private static void StoreOne(ArrayView<float> c, long rowAt, GemmParams p, int col, float value)
    {
        if (col >= p.N) return;
        long at = rowAt + col;
        c[at] = p.Beta == 0f ? p.Alpha * value : p.Alpha * value + p.Beta * c[at];
    }
}
