// Marks the GLIBCXX_3.4.32 version need of an ELF64 shared library weak when the system libstdc++ lacks it.
// See TorchSharpLibstdcxx.targets for why. Compiled by MSBuild's RoslynCodeTaskFactory at build time.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxVersionNeed : Task
{
    const string Version = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    static readonly string[] SystemLibstdcxx =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    [Required] public string Library { get; set; } = "";

    public override bool Execute()
    {
        string system = Array.Find(SystemLibstdcxx, File.Exists);
        if (system == null) return true;
        if (Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(Version + "\0")))
            return true; // new enough: leave the library as shipped

        byte[] elf = File.ReadAllBytes(Library);
        int patched = Patch(elf);
        if (patched < 0)
        {
            Log.LogWarning($"{Library}: not an ELF64 little-endian file with a .gnu.version_r section; left as is.");
            return true;
        }
        if (patched == 0) return true; // no such need, or already weak
        string temp = Library + ".weak-tmp";
        File.WriteAllBytes(temp, elf);
        File.Replace(temp, Library, null);
        Log.LogMessage(MessageImportance.High,
            $"Marked {Version} weak in {Path.GetFileName(Library)} ({system} lacks it).");
        return true;
    }

    // Returns the number of entries changed, or -1 when the file is not what we expect.
    static int Patch(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1) return -1;
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)(shoff + (long)i * shentsize));
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)BitConverter.ToInt64(elf, sh + 0x18));
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int strtab = checked((int)BitConverter.ToInt64(elf, checked((int)(shoff + (long)link * shentsize)) + 0x18));
            int changed = 0;
            for (int vn = offset; ;)
            {
                int count = BitConverter.ToUInt16(elf, vn + 2);
                for (int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8), k = 0; k < count; k++)
                {
                    int name = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                    if (ReadString(elf, name) == Version && (flags & VerFlgWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                        changed++;
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, vn + 12);
                if (next == 0) break;
                vn += (int)next;
            }
            return changed;
        }
        return -1;
    }

    static string ReadString(byte[] data, int start)
    {
        int end = Array.IndexOf(data, (byte)0, start);
        return Encoding.ASCII.GetString(data, start, end - start);
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = Array.IndexOf(haystack, needle[0]); i >= 0 && i <= haystack.Length - needle.Length;
             i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
