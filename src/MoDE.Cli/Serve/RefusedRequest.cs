namespace MoDE.Cli.Serve;

/// <summary>A request <c>mode serve</c> does not answer: its HTTP status (4xx), the field at fault and why, sent back as JSON.</summary>
public sealed class RefusedRequest(int status, string field, string reason) : Exception(reason)
{
    public int Status { get; } = status;
    public string Field { get; } = field;
}
