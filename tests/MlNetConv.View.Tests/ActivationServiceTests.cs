using MlNetConv.Inspection;
using SkiaSharp;

namespace MlNetConv.View.Tests;

public class ActivationServiceTests
{
    private static ActivationService Service() => new(TrainedLeNet.Model);

    private static float[] Decode(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    [Fact]
    public void Every_layer_is_returned_and_the_top_class_is_the_engines_prediction()
    {
        var service = Service();
        var network = TrainedLeNet.Model.Network;
        int correct = 0;
        for (int i = TrainedLeNet.TestStart; i < TrainedLeNet.TestStart + 20; i++)
        {
            var pixels = TrainedLeNet.Pixels(i);
            var answer = service.Evaluate(new PixelsRequest(28, 28, 1, pixels));
            Assert.Equal(service.Inspector.Nodes.Count, answer.Layers.Length);
            var output = network.Predict(pixels.Select(p => p / 255f).ToArray());
            int expected = Array.IndexOf(output, output.Max());
            Assert.Equal(expected, answer.Top![0].Index);
            Assert.Equal(5, answer.Top.Length);
            Assert.Equal(1.0, answer.Top.Sum(t => t.Probability) + (1 - answer.Top.Sum(t => t.Probability)), 6);
            Assert.True(answer.Top.Zip(answer.Top.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
            var last = Decode(answer.Layers[^1].Values);
            // Network.Predict runs the fused evaluation path, the inspector layer by layer: the sums differ in their last bits.
            for (int k = 0; k < output.Length; k++) Assert.InRange(Math.Abs(output[k] - last[k]), 0, 1e-5 * (1 + Math.Abs(output[k])));
            for (int n = 0; n < answer.Layers.Length; n++)
            {
                var values = Decode(answer.Layers[n].Values);
                Assert.Equal(service.Inspector.Nodes[n].OutputShape.Size, values.Length);
                Assert.Equal(values.Min(), answer.Layers[n].Min);
                Assert.Equal(values.Max(), answer.Layers[n].Max);
            }
            correct += expected == TrainedLeNet.Label(i) ? 1 : 0;
        }
        // Three epochs on 8,000 digits: nearly all held-out digits are right (the view shows a trained network, not noise).
        Assert.True(correct >= 18, $"{correct} of 20 held-out digits right");
    }

    [Fact]
    public void The_model_lists_each_layer_its_inputs_and_the_first_layers_filters()
    {
        var model = Service().Model;
        Assert.Equal([1, 28, 28], model.Input);
        Assert.Equal("C1", model.Layers[0].Path);
        Assert.Equal(["input"], model.Layers[0].Inputs);
        Assert.Equal(["C1"], model.Layers[1].Inputs);
        Assert.Equal("maps", model.Layers[0].Kind);
        Assert.Equal("vector", model.Layers[^1].Kind);
        Assert.Equal(10, model.Classes!.Count);
        var filters = model.Filters!;
        Assert.Equal("C1", filters.Layer);
        Assert.Equal([6, 1, 5, 5], filters.Shape);
        var weights = TrainedLeNet.Model.Network["C1.weight"].Value.ToArray();
        Assert.Equal(weights, Decode(filters.Weights));
    }

    [Fact]
    public void Links_of_C3_follow_the_connection_table_and_the_field_is_clipped_to_the_image()
    {
        var service = Service();
        var links = service.Links("C3", 15, 0, 0);
        var reads = Assert.Single(links.Reads);
        Assert.Equal("S2_act", reads.Layer);
        Assert.Equal([0, 1, 2, 3, 4, 5], reads.Channels!);
        Assert.Equal([0, 1, 2, 3, 4], reads.Rows!);
        // A C3 unit sees 16x16 pixels of the image C1 pads by 2: at the corner, rows and columns -2..11, 12x12 of the digit.
        Assert.Equal([0, 0, 11, 11], links.Field);
        Assert.Equal(["input"], service.Links("C1", 0, 5, 5).Reads.Select(r => r.Layer));
        Assert.Null(service.Links("F6", 3, 0, 0).Reads[0].Channels);
    }

    [Fact]
    public void Wide_layers_send_their_first_64_channels_and_long_vectors_their_first_1024_units()
    {
        var architecture = new MlNetConv.Graphs.NetworkBuilder().Conv2d(100, 3, name: "wide").Flatten("flat").Build("wide");
        using var network = new MlNetConv.Graphs.Network(architecture, new MlNetConv.Tensors.Shape(1, 8, 8), seed: 1);
        var service = new ActivationService(new ViewedModel(network, MlNetConv.Transforms.ImagePreprocessing.Default(network.SampleShape)));
        Assert.Equal([64, 1024], service.Model.Layers.Select(l => l.Shown));
        var answer = service.Evaluate(new PixelsRequest(8, 8, 1, Enumerable.Range(0, 64).ToArray()));
        var maps = Decode(answer.Layers[0].Values);
        var all = service.Inspector.Record(service.Sample(Enumerable.Range(0, 64).ToArray(), 1));
        Assert.Equal(all[0].AsSpan(0, 64 * 36).ToArray(), maps);
        Assert.Equal(all[0].AsSpan(0, 64 * 36).ToArray().Max(), answer.Layers[0].Max);
        Assert.Equal(all[1].AsSpan(0, 1024).ToArray(), Decode(answer.Layers[1].Values));
    }

    [Theory]
    [InlineData(32, 28, 1, 784, "28x28")]
    [InlineData(28, 28, 2, 784, "channels must be 1")]
    [InlineData(28, 28, 1, 700, "pixels must hold 784")]
    public void Requests_of_the_wrong_size_are_refused_with_what_was_expected(int width, int height, int channels, int count, string message)
    {
        var error = Assert.Throws<ViewRequestException>(() => Service().Evaluate(new PixelsRequest(width, height, channels, new int[count])));
        Assert.Equal(400, error.StatusCode);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Pixels_outside_0_to_255_and_unknown_units_are_refused()
    {
        var pixels = new int[784];
        pixels[100] = 256;
        Assert.Contains("pixels[100] is 256", Assert.Throws<ViewRequestException>(() => Service().Evaluate(new PixelsRequest(28, 28, 1, pixels))).Message);
        Assert.Equal(404, Assert.Throws<ViewRequestException>(() => Service().Links("C7", 0, 0, 0)).StatusCode);
        var outside = Assert.Throws<ViewRequestException>(() => Service().Links("C3", 16, 0, 0));
        Assert.Equal(400, outside.StatusCode);
        Assert.Contains("16 x 10 x 10", outside.Message);
    }

    [Fact]
    public void An_uploaded_image_at_the_input_size_gives_what_its_pixels_give()
    {
        var pixels = TrainedLeNet.Pixels(TrainedLeNet.TestStart + 3);
        var png = Png(pixels, 28, 28);
        var service = Service();
        var fromFile = service.EvaluateImage(png, 1_000_000);
        var fromPixels = service.Evaluate(new PixelsRequest(28, 28, 1, pixels));
        Assert.Equal(pixels, fromFile.Pixels);
        Assert.Equal(fromPixels.Layers.Select(l => l.Values), fromFile.Layers.Select(l => l.Values));
        // A larger upload is resized to the input: still one 28x28 reading.
        var large = service.EvaluateImage(Png(Enumerable.Range(0, 112 * 112).Select(i => pixels[(i / 112 / 4) * 28 + i % 112 / 4]).ToArray(), 112, 112), 1_000_000);
        Assert.Equal(784, large.Pixels.Length);
        Assert.Equal(fromPixels.Top![0].Index, large.Top![0].Index);
    }

    [Fact]
    public void Uploads_that_are_not_images_or_have_too_many_pixels_are_refused_before_decoding()
    {
        var service = Service();
        var text = Assert.Throws<ViewRequestException>(() => service.EvaluateImage("not an image at all"u8.ToArray(), 1_000_000));
        Assert.Equal(415, text.StatusCode);
        // A PNG header claiming 60000 x 60000 pixels with no pixel data after it.
        var huge = Assert.Throws<ViewRequestException>(() => service.EvaluateImage(PngHeader(60_000, 60_000), 40_000_000));
        Assert.Equal(413, huge.StatusCode);
        Assert.Contains("60000x60000", huge.Message);
    }

    internal static byte[] Png(int[] grey, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte v = (byte)grey[y * width + x];
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>
    /// A PNG as the format defines it that claims <paramref name="width"/> x <paramref name="height"/> 8-bit RGB pixels:
    /// the signature, IHDR, an IDAT holding the start of a zlib stream only, and IEND (a few dozen bytes).
    /// </summary>
    internal static byte[] PngHeader(int width, int height)
    {
        var file = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        void Chunk(string type, byte[] data)
        {
            var body = new List<byte>(System.Text.Encoding.ASCII.GetBytes(type));
            body.AddRange(data);
            file.AddRange(BigEndian(data.Length));
            file.AddRange(body);
            file.AddRange(BigEndian((int)System.IO.Hashing.Crc32.HashToUInt32(body.ToArray())));
        }
        Chunk("IHDR", [.. BigEndian(width), .. BigEndian(height), 8, 2, 0, 0, 0]);
        Chunk("IDAT", [0x78, 0x9C, 0x01, 0x00]);
        Chunk("IEND", []);
        return [.. file];
    }

    private static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
