using MlNetConv.Backends;

namespace MlNetConv.Tests.Backends;

public class DeviceTests
{
    public static TheoryData<Device> Devices => new(Device.Cpu, Device.Auto, Device.Gpu(), Device.Gpu(3));

    [Theory, MemberData(nameof(Devices))]
    public void Parse_ReadsWhatToStringWrites(Device device) => Assert.Equal(device, Device.Parse(device.ToString()));

    [Theory]
    [InlineData(" GPU ", DeviceKind.Gpu, 0)]
    [InlineData("Gpu:12", DeviceKind.Gpu, 12)]
    [InlineData("CPU", DeviceKind.Cpu, 0)]
    public void Parse_IgnoresCaseAndSpaces(string text, DeviceKind kind, int id) => Assert.Equal(new Device(kind, id), Device.Parse(text));

    [Theory]
    [InlineData("tpu")]
    [InlineData("gpu:")]
    [InlineData("gpu:-1")]
    [InlineData("gpu:x")]
    [InlineData("")]
    public void Parse_RejectsOtherText_NamingTheForms(string text)
    {
        Assert.False(Device.TryParse(text, out _));
        var e = Assert.Throws<FormatException>(() => Device.Parse(text));
        Assert.Contains("cpu, gpu, gpu:ID or auto", e.Message);
    }
}
