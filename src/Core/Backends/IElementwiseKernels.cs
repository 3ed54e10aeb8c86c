using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// Flat element-wise work, broadcasting and its reduction, strided copies (permutations), channel slices for
/// concatenation, spatial boxes for cropping and padding, border padding, per-channel affine maps and biases, and
/// dropout masks.
/// </summary>
public interface IElementwiseKernels
{
    void Fill(Tensor destination, float value);
    void Copy(Tensor source, Tensor destination);

    /// <summary>destination = a + b.</summary>
    void Add(Tensor a, Tensor b, Tensor destination);

    /// <summary>destination = a * b.</summary>
    void Multiply(Tensor a, Tensor b, Tensor destination);

    /// <summary>
    /// destination = op(a, b) under numpy broadcasting: a, b and destination of one rank, each dimension of a and b the
    /// destination's or 1 (that operand repeated along it).
    /// </summary>
    /// <exception cref="ArgumentException">an operand does not broadcast to the destination</exception>
    void Broadcast<TOp>(TOp op, Tensor a, Tensor b, Tensor destination) where TOp : struct, IBinaryOp;

    /// <summary>
    /// destination (overwritten) = source summed over the axes where the destination has size 1 and the source more
    /// (PyTorch's <c>sum_to_size</c>: the gradient of an operand that <see cref="Broadcast{TOp}"/> repeated), each sum in
    /// double.
    /// </summary>
    /// <param name="source">(d0, ..., dk)</param>
    /// <param name="destination">of the source's rank, each dimension the source's or 1</param>
    /// <exception cref="ArgumentException">the destination does not broadcast to the source</exception>
    void SumTo(Tensor source, Tensor destination);

    /// <summary>
    /// destination[i] = source[layout.SourceOf(i)] for every element of the destination, walked in row-major order:
    /// a permutation of the source's axes (<see cref="Geometry.StridedLayout.Permute"/>), or any strided view of it.
    /// </summary>
    /// <exception cref="ArgumentException">the layout walks another count than the destination's or reads past the source</exception>
    void CopyStrided(Tensor source, in Geometry.StridedLayout layout, Tensor destination);

    /// <summary>
    /// Reflection or replication padding of the spatial axes: every output element copies the input element
    /// <see cref="Geometry.BorderPadGeometry.Source"/> names along each axis.
    /// </summary>
    /// <param name="input">(N, C, spatial...) of the geometry's input extents</param>
    /// <param name="output">(N, C, spatial...) of its output extents, overwritten</param>
    void BorderPadForward(in Geometry.BorderPadGeometry geometry, Tensor input, Tensor output);

    /// <summary>inputGrad (overwritten) = for every input element, the sum of the output gradients of the elements that copy it.</summary>
    /// <param name="outputGrad">(N, C, spatial...) of the geometry's output extents</param>
    /// <param name="inputGrad">(N, C, spatial...) of its input extents</param>
    void BorderPadBackward(in Geometry.BorderPadGeometry geometry, Tensor outputGrad, Tensor inputGrad);

    /// <summary>y += alpha * x.</summary>
    void Axpy(float alpha, Tensor x, Tensor y);

    /// <summary>x *= alpha.</summary>
    void Scale(Tensor x, float alpha);

    /// <summary>Copies <paramref name="channels"/> channels from source (N, Cs, S) starting at sourceChannel to destination (N, Cd, S) at destinationChannel.</summary>
    void CopyChannels(Tensor source, int sourceChannel, Tensor destination, int destinationChannel, int channels);

    /// <summary>
    /// For every (n, c): destination[n, c, destinationStart + r] = source[n, c, sourceStart + r] for every r in the box
    /// <paramref name="extent"/> (D, H, W; 1D and 2D maps have leading extents of one). Elements outside the box are untouched.
    /// </summary>
    /// <param name="source">(N, C, spatial...)</param>
    /// <param name="destination">(N, C, spatial...) of the same rank, N and C</param>
    void CopyRegion(Tensor source, Geometry.Int3 sourceStart, Tensor destination, Geometry.Int3 destinationStart, Geometry.Int3 extent);

    /// <summary>output[n,c,s] += bias[c].</summary>
    /// <param name="bias">(C)</param>
    /// <param name="output">(N, C, spatial...)</param>
    void AddChannelBias(Tensor bias, Tensor output);

    /// <summary>sums[c] += Σ_{n,s} input[n,c,s], each channel summed in double: the gradient of a per-channel bias.</summary>
    void AccumulateChannelSums(Tensor input, Tensor sums);

    /// <summary>output[n,c,s] = input[n,c,s] * scale[c] + shift[c].</summary>
    void ChannelAffineForward(Tensor input, Tensor scale, Tensor shift, Tensor output);

    /// <summary>inputGrad (overwritten) = outputGrad * scale[c]; scaleGrad += sum(outputGrad * input); shiftGrad += sum(outputGrad).</summary>
    void ChannelAffineBackward(Tensor input, Tensor outputGrad, Tensor scale, Tensor inputGrad, Tensor scaleGrad, Tensor shiftGrad);

    /// <summary>
    /// Fills an inverted-dropout mask: each block of <paramref name="blockSize"/> consecutive elements is 0 with
    /// probability p, else 1/(1-p). The draw for block i depends only on (seed, i), so masks are reproducible.
    /// </summary>
    void DropoutMask(Tensor mask, float p, ulong seed, int blockSize);

    /// <summary>Sum of all elements, accumulated in double.</summary>
    double Sum(Tensor x);
}
