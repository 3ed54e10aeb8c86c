using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MlNetConv.Onnx;

/// <summary>
/// The few pieces of the protocol-buffers wire format an ONNX file needs: varint fields (wire type 0), 32-bit floats
/// (wire type 5) and length-delimited fields (wire type 2: strings, bytes, packed repeated scalars and nested
/// messages). A nested message is written into its own writer and then copied in with its length, which is what the
/// format requires (the length comes first). Fields are written in the order the caller gives; readers accept any.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int Varint = 0, LengthDelimited = 2, Fixed32 = 5;
    private readonly MemoryStream _stream = new();

    public long Length => _stream.Length;

    public byte[] ToArray() => _stream.ToArray();

    public void WriteTo(Stream destination) => _stream.WriteTo(destination);

    /// <summary>An int64/int32/enum/bool field: the two's complement value as an unsigned varint (10 bytes when negative).</summary>
    public void Int64(int field, long value)
    {
        Tag(field, Varint);
        RawVarint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        RawVarint((ulong)value.Length);
        _stream.Write(value);
    }

    /// <summary>A repeated int64 field, packed: one length-delimited run of varints.</summary>
    public void PackedInt64s(int field, ReadOnlySpan<long> values)
    {
        var packed = new ProtobufWriter();
        foreach (long v in values) packed.RawVarint((ulong)v);
        Tag(field, LengthDelimited);
        RawVarint((ulong)packed.Length);
        packed.WriteTo(_stream);
    }

    /// <summary>A repeated float field, packed: one length-delimited run of little-endian 32-bit values.</summary>
    public void PackedFloats(int field, ReadOnlySpan<float> values)
    {
        Tag(field, LengthDelimited);
        RawVarint((ulong)values.Length * 4);
        if (BitConverter.IsLittleEndian)
        {
            _stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> bytes = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes, v);
            _stream.Write(bytes);
        }
    }

    /// <summary>A nested message, written by <paramref name="body"/> into its own writer and copied in with its length.</summary>
    public void Message(int field, Action<ProtobufWriter> body)
    {
        var nested = new ProtobufWriter();
        body(nested);
        Tag(field, LengthDelimited);
        RawVarint((ulong)nested.Length);
        nested.WriteTo(_stream);
    }

    private void Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

    private void RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }
}
