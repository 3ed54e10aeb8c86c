namespace MlNetConv.View;

/// <summary>A request the view cannot serve because of what it holds: answered with <see cref="StatusCode"/> (4xx) and the message.</summary>
public sealed class ViewRequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
