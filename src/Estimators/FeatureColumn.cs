using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// The feature column and how its values become one planar (C, H, W) sample: a known-size Single vector (e.g. from
/// ExtractPixels, whose dimensions give the shape) or an image (MLImage, e.g. from LoadImages and ResizeImages), read by
/// its <see cref="ImagePreprocessing"/>.
/// </summary>
internal sealed class FeatureColumn
{
    private FeatureColumn(string name, ImagePreprocessing? image, Shape sampleShape)
    {
        Name = name;
        Image = image;
        SampleShape = sampleShape;
    }

    public string Name { get; }

    /// <summary>How the column's images are read; null for a vector column.</summary>
    public ImagePreprocessing? Image { get; }

    public bool IsImage => Image is not null;
    public Shape SampleShape { get; }

    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name)
        ?? throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: {role} column '{name}' not found; the schema has: {string.Join(", ", schema.Select(c => c.Name))}.");

    /// <summary>
    /// The column for training: the shape is <paramref name="explicitShape"/>, else the vector's dimensions or the image's
    /// size; images are read with <paramref name="image"/>, or the default convention (R, G, B in [0, 1]).
    /// </summary>
    public static FeatureColumn Resolve(DataViewSchema schema, string name, int[]? explicitShape, ImagePreprocessing? image = null)
    {
        var column = Find(schema, name, "feature");
        switch (column.Type)
        {
            case VectorDataViewType { IsKnownSize: true } vector when vector.ItemType == NumberDataViewType.Single:
            {
                var shape = new Shape(explicitShape ?? (vector.Dimensions.Length >= 2 ? vector.Dimensions.ToArray() : [1, vector.Size]));
                if (shape.Size != vector.Size)
                    throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: input shape {shape} has {shape.Size} values but column '{name}' has {vector.Size}.");
                return new FeatureColumn(name, null, shape);
            }
            case ImageDataViewType imageType:
            {
                if (imageType.Height == 0 || imageType.Width == 0)
                    throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: image column '{name}' has no fixed size; add ResizeImages(\"{name}\", width, height) before the trainer.");
                int channels = image?.Channels ?? explicitShape?[0] ?? 3;
                var shape = new Shape(channels, imageType.Height, imageType.Width);
                if (channels is not (1 or 3) || (explicitShape is not null && !explicitShape.SequenceEqual(shape)))
                    throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: image column '{name}' is {imageType.Height}x{imageType.Width}, which gives input (3 or 1, {imageType.Height}, {imageType.Width}), not {new Shape(explicitShape!)}.");
                if (image is not null && image.SampleShape != shape)
                    throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: image column '{name}' is {imageType.Height}x{imageType.Width}, the image preprocessing reads {image.Height}x{image.Width}: resize to it.");
                return new FeatureColumn(name, image ?? ImagePreprocessing.Default(shape), shape);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: column '{name}' must be an image or a vector of a known number of Single values, got {column.Type}.");
        }
    }

    /// <summary>The column for scoring with a model trained on <paramref name="sampleShape"/> samples.</summary>
    public static FeatureColumn ForModel(DataViewSchema schema, string name, Shape sampleShape, ImagePreprocessing? image)
    {
        var column = Find(schema, name, "feature");
        bool fits = image is not null
            ? column.Type is ImageDataViewType i && i.Height == sampleShape[1] && i.Width == sampleShape[2]
            : column.Type is VectorDataViewType { IsKnownSize: true } v && v.ItemType == NumberDataViewType.Single && v.Size == sampleShape.Size;
        if (!fits)
            throw new ArgumentOutOfRangeException(nameof(schema), image is not null
                ? $"ConvNet: column '{name}' must be an image of {sampleShape[1]}x{sampleShape[2]} (height x width; use ResizeImages), got {column.Type}."
                : $"ConvNet: column '{name}' must be a vector of {sampleShape.Size} Single values (input {sampleShape}), got {column.Type}.");
        return new FeatureColumn(name, image, sampleShape);
    }

    /// <summary>A reader of the current row of <paramref name="row"/>; <paramref name="pathColumn"/>, when present, names images in errors.</summary>
    public FeatureReader Reader(DataViewRow row, string role, string? pathColumn) => new(this, row, role, pathColumn);
}

/// <summary>Reads the feature column of a cursor's current row into a planar float sample; errors name the row and image path.</summary>
internal sealed class FeatureReader
{
    private readonly FeatureColumn _column;
    private readonly DataViewRow _row;
    private readonly string _role;
    private readonly ValueGetter<VBuffer<float>>? _vector;
    private readonly ValueGetter<MLImage>? _image;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _path;
    private VBuffer<float> _buffer;

    public FeatureReader(FeatureColumn column, DataViewRow row, string role, string? pathColumn)
    {
        _column = column;
        _row = row;
        _role = role;
        var schemaColumn = row.Schema[column.Name];
        if (column.IsImage) _image = row.GetGetter<MLImage>(schemaColumn);
        else _vector = row.GetGetter<VBuffer<float>>(schemaColumn);
        if (pathColumn is not null && row.Schema.GetColumnOrNull(pathColumn) is { Type: TextDataViewType } path && row.IsColumnActive(path))
            _path = row.GetGetter<ReadOnlyMemory<char>>(path);
    }

    /// <summary>The columns a cursor must make active for this reader.</summary>
    public static IEnumerable<DataViewSchema.Column> Needs(DataViewSchema schema, FeatureColumn column, string? pathColumn) =>
        pathColumn is not null && schema.GetColumnOrNull(pathColumn) is { Type: TextDataViewType } path && path.Name != column.Name
            ? [schema[column.Name], path] : [schema[column.Name]];

    /// <param name="destination">the sample (C, H, W), overwritten</param>
    public void Read(Span<float> destination)
    {
        try
        {
            if (_vector is not null) ReadVector(destination);
            else ReadImage(destination);
        }
        catch (Exception e) when (e is not BadRowException && e is IOException or ArgumentException or InvalidOperationException or ObjectDisposedException)
        {
            throw Bad(e is FileNotFoundException { FileName: { } file } ? $"the image cannot be read: file '{file}' not found" : $"the image cannot be read: {e.Message}", e);
        }
    }

    public BadRowException Bad(string problem, Exception? inner = null)
    {
        string? path = null;
        if (_path is not null)
        {
            ReadOnlyMemory<char> value = default;
            _path(ref value);
            path = value.ToString();
        }
        return new BadRowException(_role, _row.Position, _column.Name, path, problem, inner);
    }

    private void ReadVector(Span<float> destination)
    {
        _vector!(ref _buffer);
        if (_buffer.Length != destination.Length)
            throw Bad($"{_buffer.Length} values, expected {destination.Length} for input shape {_column.SampleShape}");
        _buffer.CopyTo(destination);
    }

    private void ReadImage(Span<float> destination)
    {
        MLImage image = null!;
        _image!(ref image);
        if ((object?)image is null) throw Bad("no image (an empty or missing path)");
        try
        {
            _column.Image!.Read(image, destination);
        }
        catch (ArgumentException e) when (e.ParamName is null)
        {
            throw Bad(e.Message, e);
        }
    }
}
