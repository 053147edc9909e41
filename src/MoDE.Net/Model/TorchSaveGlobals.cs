using System.Buffers.Binary;
using System.Text;

namespace MoDE.Model;

/// <summary>
/// The check that runs on the pickle of a torch.save archive (its <c>data.pkl</c>) before anything unpickles it: every
/// class or function the pickle names must be one that torch.save writes for a state dict, so that unpickling builds
/// nothing but tensors, their storages and plain containers (PyTorch's own <c>torch.load(weights_only=True)</c> works
/// from an allow-list in the same way). The walk reads opcodes only, never executes one; the opcodes and their
/// arguments are those of Python's <c>pickletools</c> documentation (protocols 0 to 2, PEP 307; 3; 4, PEP 3154;
/// 5, PEP 574). A pickle names a callable three ways: GLOBAL and INST carry "module\nname\n" in their argument, and
/// STACK_GLOBAL (protocol 4) takes module and name from the stack. The stack is followed only as far as knowing which
/// string literals are on top (directly or fetched from the memo); anything less certain is refused, so the check
/// can refuse a harmless pickle but never lets an unlisted name through.
/// </summary>
public static class TorchSaveGlobals
{
    /// <summary>What torch.save writes for a dict of tensors (seen in PyTorch 1.13's output, and in the allow-list of
    /// torch/_weights_only_unpickler.py): the tensor rebuild functions, OrderedDict, and the storage classes that name
    /// a tensor's element type in its persistent id.</summary>
    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(
        new[] { "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "collections.OrderedDict" }
            .Concat(new[] { "Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool" }.Select(t => $"torch.{t}Storage")),
        StringComparer.Ordinal);

    /// <summary>Null when <paramref name="pickle"/> names only <see cref="Allowed"/> globals and is well formed up to
    /// its STOP opcode; otherwise why not, in a few words.</summary>
    public static string? Refusal(byte[] pickle)
    {
        var top = new List<string?>(); // what the opcodes pushed, null where not a known string
        var memo = new Dictionary<long, string?>();
        int at = 0;
        while (at < pickle.Length)
        {
            int start = at;
            byte op = pickle[at++];
            string? Line()
            {
                int end = pickle.AsSpan(at).IndexOf((byte)'\n');
                if (end < 0) return null;
                var text = Encoding.UTF8.GetString(pickle, at, end);
                at += end + 1;
                return text;
            }
            bool Skip(long count)
            {
                if (count < 0 || count > pickle.Length - at) return false;
                at += (int)count;
                return true;
            }
            long Fixed(int bytes)
            {
                if (pickle.Length - at < bytes) return -1;
                var span = pickle.AsSpan(at, bytes);
                at += bytes;
                return bytes switch
                {
                    1 => span[0],
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(span),
                    4 => BinaryPrimitives.ReadUInt32LittleEndian(span),
                    _ => BinaryPrimitives.ReadInt64LittleEndian(span),
                };
            }
            string? Text(int lengthBytes)
            {
                long length = Fixed(lengthBytes);
                if (length < 0 || length > pickle.Length - at) return null;
                var text = Encoding.UTF8.GetString(pickle, at, (int)length);
                at += (int)length;
                return text;
            }
            string Truncated() => $"the pickle ends inside opcode 0x{op:x2} at byte {start}";
            string? Named(string? module, string? name) =>
                module is null || name is null ? Truncated()
                : Allowed.Contains($"{module}.{name}") ? null
                : $"the pickle names {module}.{name} (byte {start}), not a tensor or container";

            switch (op)
            {
                case (byte)'.': return null; // STOP
                case (byte)'c' or (byte)'i': // GLOBAL, INST
                    if (Named(Line(), Line()) is string global) return global;
                    top.Add(null);
                    break;
                case 0x93: // STACK_GLOBAL
                    if (top.Count < 2 || top[^2] is null || top[^1] is null)
                        return $"STACK_GLOBAL at byte {start} takes a name that is not a string literal";
                    if (Named(top[^2], top[^1]) is string stacked) return stacked;
                    top.Add(null);
                    break;
                case 0x82 or 0x83 or 0x84: // EXT1, EXT2, EXT4: names from the copyreg extension registry
                    return $"the pickle uses an extension code (opcode 0x{op:x2}, byte {start})";
                case (byte)'X': case 0x8c: case 0x8d: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                    var literal = Text(op == (byte)'X' ? 4 : op == 0x8c ? 1 : 8);
                    if (literal is null) return Truncated();
                    top.Add(literal);
                    break;
                case (byte)'g' or (byte)'h' or (byte)'j': // GET, BINGET, LONG_BINGET
                    long got = op == (byte)'g' ? (long.TryParse(Line(), out var g) ? g : -1) : Fixed(op == (byte)'h' ? 1 : 4);
                    if (got < 0) return Truncated();
                    top.Add(memo.GetValueOrDefault(got));
                    break;
                case (byte)'p' or (byte)'q' or (byte)'r': // PUT, BINPUT, LONG_BINPUT: the stack is unchanged
                    long put = op == (byte)'p' ? (long.TryParse(Line(), out var p) ? p : -1) : Fixed(op == (byte)'q' ? 1 : 4);
                    if (put < 0) return Truncated();
                    memo[put] = top.Count > 0 ? top[^1] : null;
                    break;
                case 0x94: // MEMOIZE
                    memo[memo.Count] = top.Count > 0 ? top[^1] : null;
                    break;
                case 0x80: case 0x95: // PROTO, FRAME: the stack is unchanged
                    if (Fixed(op == 0x80 ? 1 : 8) < 0) return Truncated();
                    break;
                default:
                    if (ArgumentOf(op) is not int argument) return $"unknown pickle opcode 0x{op:x2} at byte {start}";
                    bool read = argument switch
                    {
                        0 => true,
                        Line1 => Line() is not null,
                        > 0 => Skip(argument),
                        _ => Fixed(-argument) is long length && length >= 0 && Skip(length),
                    };
                    if (!read) return Truncated();
                    top.Add(null);
                    break;
            }
        }
        return "the pickle has no STOP opcode";
    }

    const int Line1 = 100;

    /// <summary>The argument of every other opcode (pickletools): 0 none, n fixed bytes, -n an n-byte little-endian
    /// length then that many bytes, <see cref="Line1"/> one newline-terminated line.</summary>
    static int? ArgumentOf(byte op) => op switch
    {
        (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'Q' or (byte)'R' or (byte)'a' or (byte)'b'
            or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')'
            or (byte)'u' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92 or 0x97 or 0x98 => 0,
        (byte)'F' or (byte)'I' or (byte)'L' or (byte)'P' or (byte)'S' or (byte)'V' => Line1,
        (byte)'K' => 1,
        (byte)'M' => 2,
        (byte)'J' => 4,
        (byte)'G' => 8,
        (byte)'U' or (byte)'C' or 0x8a => -1,
        (byte)'T' or (byte)'B' or 0x8b => -4,
        0x8e or 0x96 => -8,
        _ => null,
    };
}
