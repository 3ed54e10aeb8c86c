using MlNetConv.Graphs;

namespace MlNetConv.Zoo;

/// <summary>SegNet (Badrinarayanan, Kendall and Cipolla 2017, "SegNet: A Deep Convolutional Encoder-Decoder Architecture for Image Segmentation").</summary>
public static partial class Architectures
{
    /// <summary>
    /// SegNet: an encoder of VGG-16's 13 convolutions (3x3 "same", each followed by batch normalisation and ReLU) in five
    /// stages of 64, 128, 256, 512, 512 channels closed by 2x2/2 max pooling, and a mirrored decoder that upsamples with
    /// max unpooling at the positions its encoder stage's pooling recorded — no learned upsampling and no skipped
    /// feature maps, only the indices. Decoder stage k unpools, then convolves as encoder stage k did, its last
    /// convolution narrowing to the channels of stage k - 1; decoder stage 1 ends in <c>classifier</c>, a 3x3 convolution
    /// to class scores without normalisation. Output (N, classes, H, W) at the input size. Names:
    /// <c>encoder1.conv1.weight</c>, <c>encoder1.bn1.running_mean</c>, <c>encoder1.pool</c>, <c>decoder1.unpool</c>
    /// (bound to <c>encoder1.pool</c>), <c>classifier.weight</c>.
    /// </summary>
    /// <param name="classes">classes including the background (12 for CamVid as in the paper's road scenes)</param>
    /// <param name="width">channels of the first stage (64 as VGG-16); stages double it up to 8 times</param>
    /// <param name="stages">1..5 encoder/decoder stages: the input shrinks by 2^stages at the bottleneck</param>
    public static Sequential SegNet(int classes = 12, int width = 64, int stages = 5)
    {
        if (classes <= 0) throw new ArgumentException($"SegNet: classes must be positive, got {classes}.", nameof(classes));
        if (width <= 0) throw new ArgumentException($"SegNet: width must be positive, got {width}.", nameof(width));
        if (stages is < 1 or > 5) throw new ArgumentException($"SegNet: stages must be 1..5, got {stages}.", nameof(stages));
        int[] convs = [2, 2, 3, 3, 3];
        int Channels(int stage) => Math.Min(width << stage, 8 * width);
        var b = new NetworkBuilder();
        for (int s = 0; s < stages; s++)                                           // (N, Channels(s), H/2^(s+1), W/2^(s+1))
        {
            int channels = Channels(s), count = convs[s];
            b.Block($"encoder{s + 1}", e =>
            {
                for (int i = 0; i < count; i++) e.ConvBnReLU(channels, i + 1);
                e.MaxPool2d(2, name: "pool");
            });
        }
        for (int s = stages - 1; s >= 0; s--)                                      // (N, Channels(s - 1), H/2^s, W/2^s)
        {
            int channels = Channels(s), narrowTo = s > 0 ? Channels(s - 1) : channels, count = s > 0 ? convs[s] : convs[s] - 1, stage = s + 1;
            b.Block($"decoder{stage}", d =>
            {
                d.MaxUnpool2d($"encoder{stage}.pool", "unpool");
                for (int i = 0; i < count; i++) d.ConvBnReLU(i == count - 1 ? narrowTo : channels, i + 1);
            });
        }
        return b.Conv2d(classes, 3, padding: 1, name: "classifier")               // (N, classes, H, W)
            .Build(width == 64 && stages == 5 ? "segnet" : $"segnet_w{width}_s{stages}");
    }

    /// <summary>A 3x3 "same" convolution without bias, batch normalisation and ReLU, named convK, bnK, reluK.</summary>
    private static NetworkBuilder ConvBnReLU(this NetworkBuilder b, int channels, int k) =>
        b.Conv2d(channels, 3, padding: 1, bias: false, name: $"conv{k}").BatchNorm2d(name: $"bn{k}").ReLU($"relu{k}");
}
