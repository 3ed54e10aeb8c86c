namespace MlNetConv.View;

// The JSON the page and the server exchange (camelCase on the wire). Tensors travel as base64 of little-endian float32,
// which the page reads with one Float32Array; units are (channel, row, column), 0 where an output has no rows or columns.

/// <summary>GET /api/model: the network as the page draws it.</summary>
/// <param name="Input">(C, H, W) of the image the network reads</param>
/// <param name="Classes">class names of a classifier, else null</param>
public sealed record ModelMessage(string Name, int[] Input, string Preprocessing, IReadOnlyList<string>? Classes, LayerMessage[] Layers, FiltersMessage? Filters);

/// <param name="Shape">one sample's output: (C), (C, W) or (C, H, W)</param>
/// <param name="Inputs">the paths of the layers read; "input" is the image</param>
/// <param name="Kind">"maps" for outputs with more than one position, "vector" for vectors and 1x1 maps (channel c is unit (c, 0, 0))</param>
/// <param name="Shown">the channels (maps) or units (vectors) whose values are sent: the first ones, at most <see cref="ActivationService.MaxChannels"/> or <see cref="ActivationService.MaxUnits"/></param>
public sealed record LayerMessage(string Path, string Type, string Description, int[] Shape, string[] Inputs, string Kind, int Shown);

/// <summary>The first convolution's weights.</summary>
/// <param name="Shape">(out, in, kh, kw)</param>
public sealed record FiltersMessage(string Layer, int[] Shape, string Weights);

/// <summary>POST /api/activations: an image at the network's input size, R, G, B planes (or one grey plane) of values 0..255.</summary>
public sealed record PixelsRequest(int Width, int Height, int Channels, int[]? Pixels);

/// <summary>Every layer's output for one image.</summary>
/// <param name="Top">the five most probable classes of a classifier, else null</param>
/// <param name="Pixels">the image as the network read it, (C, H, W) 0..255: the upload after resizing, or the request's</param>
public sealed record ActivationsMessage(PredictionMessage[]? Top, LayerValues[] Layers, double ServerMilliseconds, int Channels, int Height, int Width, int[] Pixels);

/// <param name="Values">base64 float32: the layer's first <see cref="LayerMessage.Shown"/> channels (C', H, W) or units of one sample</param>
/// <param name="Min">the least of the values sent</param>
public sealed record LayerValues(float Min, float Max, string Values);

public sealed record PredictionMessage(int Index, string Label, float Probability);

/// <summary>GET /api/links?layer=PATH&amp;c=&amp;y=&amp;x=: what a unit reads and sees.</summary>
/// <param name="Field">its receptive field in the image: top, left, bottom, right (inclusive)</param>
public sealed record LinksMessage(string Layer, int[] Unit, UnitsMessage[] Reads, int[] Field);

/// <summary>The units of one layer read: every combination of channels, rows and columns (null: all).</summary>
public sealed record UnitsMessage(string Layer, int[]? Channels, int[]? Rows, int[]? Columns);

/// <summary>Any 4xx or 5xx answer.</summary>
public sealed record ErrorMessage(string Error);
