namespace MoDE.Tests;

/// <summary>A test that runs Debian's <c>/usr/bin/python3</c> with its standard library only (tarfile, json, hashlib): skipped, with the
/// reason, where there is none.</summary>
public sealed class FactWithPython3Attribute : FactAttribute
{
    public FactWithPython3Attribute()
    {
        if (!File.Exists(FactWithPyTorchAttribute.Python)) Skip = $"{FactWithPyTorchAttribute.Python} is missing (apt-get install python3)";
    }
}
