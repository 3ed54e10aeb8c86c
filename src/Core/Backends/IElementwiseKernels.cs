using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// Flat element-wise work, channel slices for concatenation, spatial boxes for cropping and padding, per-channel
/// affine maps and biases, and dropout masks.
/// </summary>
public interface IElementwiseKernels
{
    void Fill(Tensor destination, float value);
    void Copy(Tensor source, Tensor destination);

    /// <summary>destination = a + b.</summary>
    void Add(Tensor a, Tensor b, Tensor destination);

    /// <summary>destination = a * b.</summary>
    void Multiply(Tensor a, Tensor b, Tensor destination);

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
