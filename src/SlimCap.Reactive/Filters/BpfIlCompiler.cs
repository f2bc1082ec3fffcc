using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// Compiles a program libpcap's checker accepted to IL (one <see cref="DynamicMethod"/>, every BPF instruction a
/// few IL instructions, jumps as branches, A, X and each used scratch slot a local) with exactly
/// <see cref="BpfInterpreter.RunLibpcap"/>'s semantics: bounds from the captured length, unsigned arithmetic,
/// 0 on a zero divisor, shifts by X of 32 or more give 0, backward jumps counted against the same bound.
/// </summary>
internal static class BpfIlCompiler
{
    private delegate ref byte SpanReference(ReadOnlySpan<byte> span);

    // Taken from a delegate, not by reflection over the generic definition: the trimmer and AOT see the instantiation.
    private static readonly MethodInfo GetReference = new SpanReference(MemoryMarshal.GetReference).Method;
    private static readonly MethodInfo SpanLength = typeof(ReadOnlySpan<byte>).GetProperty(nameof(ReadOnlySpan<byte>.Length))!.GetMethod!;
    private static readonly MethodInfo Reverse16 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ushort)])!;
    private static readonly MethodInfo Reverse32 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(uint)])!;

    /// <summary>
    /// Whether this runtime can compile (dynamic code, and a little-endian host the loads are written for). Callers test
    /// <see cref="RuntimeFeature.IsDynamicCodeSupported"/> beside it, where the AOT analyzer sees the guard.
    /// </summary>
    public static bool IsSupported => RuntimeFeature.IsDynamicCodeSupported && BitConverter.IsLittleEndian;

    /// <summary>The IL-compiled program. The caller checks <see cref="IsSupported"/>.</summary>
    [RequiresDynamicCode("Emits IL; callers check IsSupported (false under Native AOT) and interpret instead.")]
    public static BpfFilterFunction Compile(ReadOnlySpan<BpfInstruction> code)
    {
        // A first parameter the delegate is closed over (null): invoking a delegate of a static method with no target
        // goes through a shuffle thunk that moves every argument one register over; a closed delegate calls straight in.
        var method = new DynamicMethod("bpf_filter", typeof(uint), [typeof(object), typeof(ReadOnlySpan<byte>), typeof(uint)], typeof(BpfIlCompiler).Module, skipVisibility: true);
        new Emitter(method.GetILGenerator(), code).Emit();
        return (BpfFilterFunction)method.CreateDelegate(typeof(BpfFilterFunction), null);
    }

    private ref struct Emitter
    {
        private readonly ILGenerator _il;
        private readonly ReadOnlySpan<BpfInstruction> _code;
        private readonly Label[] _labels;
        private readonly LocalBuilder?[] _memory = new LocalBuilder?[BpfChecker.MemoryWords];
        private readonly LocalBuilder _a, _x, _data, _length;
        private LocalBuilder? _backwardJumps;
        private readonly Label _zero;

        public Emitter(ILGenerator il, ReadOnlySpan<BpfInstruction> code)
        {
            _il = il;
            _code = code;
            _labels = new Label[code.Length];
            for (int i = 0; i < code.Length; i++) _labels[i] = il.DefineLabel();
            _zero = il.DefineLabel();
            _a = il.DeclareLocal(typeof(uint));
            _x = il.DeclareLocal(typeof(uint));
            _data = il.DeclareLocal(typeof(byte).MakeByRefType());
            _length = il.DeclareLocal(typeof(int));
        }

        public void Emit()
        {
            // A, X and every scratch slot start at 0 (locals are zero-initialised: DynamicMethod sets InitLocals).
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Call, GetReference);
            _il.Emit(OpCodes.Stloc, _data);
            _il.Emit(OpCodes.Ldarga_S, (byte)1);
            _il.Emit(OpCodes.Call, SpanLength);
            _il.Emit(OpCodes.Stloc, _length);
            for (int pc = 0; pc < _code.Length; pc++)
            {
                _il.MarkLabel(_labels[pc]);
                EmitInstruction(pc, _code[pc]);
            }
            _il.MarkLabel(_zero);
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Ret);
        }

        private void EmitInstruction(int pc, BpfInstruction ins)
        {
            uint k = ins.K;
            switch (ins.Code)
            {
                case ClassRet | SrcK: Constant(k); _il.Emit(OpCodes.Ret); return;
                case ClassRet | SrcA: _il.Emit(OpCodes.Ldloc, _a); _il.Emit(OpCodes.Ret); return;
                case ClassLd | SizeW | ModeAbs: AbsoluteLoad(k, 4); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLd | SizeH | ModeAbs: AbsoluteLoad(k, 2); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLd | SizeB | ModeAbs: AbsoluteLoad(k, 1); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLd | SizeW | ModeInd: IndexedLoad(k, 4); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLd | SizeH | ModeInd: IndexedLoad(k, 2); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLd | SizeB | ModeInd: IndexedLoad(k, 1); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLdx | SizeB | ModeMsh:
                    AbsoluteLoad(k, 1);
                    Constant(0x0f);
                    _il.Emit(OpCodes.And);
                    _il.Emit(OpCodes.Ldc_I4_2);
                    _il.Emit(OpCodes.Shl);
                    _il.Emit(OpCodes.Stloc, _x);
                    return;
                case ClassLd | SizeW | ModeLen: _il.Emit(OpCodes.Ldarg_2); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLdx | SizeW | ModeLen: _il.Emit(OpCodes.Ldarg_2); _il.Emit(OpCodes.Stloc, _x); return;
                case ClassLd | ModeImm: Constant(k); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLdx | ModeImm: Constant(k); _il.Emit(OpCodes.Stloc, _x); return;
                case ClassLd | ModeMem: _il.Emit(OpCodes.Ldloc, Memory(k)); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassLdx | ModeMem: _il.Emit(OpCodes.Ldloc, Memory(k)); _il.Emit(OpCodes.Stloc, _x); return;
                case ClassSt: _il.Emit(OpCodes.Ldloc, _a); _il.Emit(OpCodes.Stloc, Memory(k)); return;
                case ClassStx: _il.Emit(OpCodes.Ldloc, _x); _il.Emit(OpCodes.Stloc, Memory(k)); return;
                case ClassMisc | MiscTax: _il.Emit(OpCodes.Ldloc, _a); _il.Emit(OpCodes.Stloc, _x); return;
                case ClassMisc | MiscTxa: _il.Emit(OpCodes.Ldloc, _x); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassAlu | AluNeg: _il.Emit(OpCodes.Ldloc, _a); _il.Emit(OpCodes.Neg); _il.Emit(OpCodes.Stloc, _a); return;
                case ClassJmp | JmpJa: Jump(pc, k); return;
            }
            if ((ins.Code & 0x07) == ClassJmp) ConditionalJump(pc, ins);
            else Arithmetic(ins);
        }

        private void Constant(uint k) => _il.Emit(OpCodes.Ldc_I4, unchecked((int)k));

        private LocalBuilder Memory(uint k) => _memory[k] ??= _il.DeclareLocal(typeof(uint));

        /// <summary>Pushes the big-endian value at constant offset <paramref name="k"/>, or returns 0 when it lies past the captured bytes.</summary>
        private void AbsoluteLoad(uint k, int size)
        {
            if ((ulong)k + (ulong)size > int.MaxValue)
            {
                _il.Emit(OpCodes.Br, _zero); // no span is that long
                _il.Emit(OpCodes.Ldc_I4_0);  // unreachable; keeps the stack shape of a load for the store that follows
                return;
            }
            _il.Emit(OpCodes.Ldloc, _length);
            _il.Emit(OpCodes.Ldc_I4, (int)k + size);
            _il.Emit(OpCodes.Blt, _zero);
            _il.Emit(OpCodes.Ldloc, _data);
            if (k != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, (int)k);
                _il.Emit(OpCodes.Add);
            }
            Read(size);
        }

        /// <summary>Pushes the big-endian value at X + <paramref name="k"/> (a 64-bit sum, never wrapped), or returns 0 past the captured bytes.</summary>
        private void IndexedLoad(uint k, int size)
        {
            _il.Emit(OpCodes.Ldloc, _x);
            _il.Emit(OpCodes.Conv_U8);
            _il.Emit(OpCodes.Ldc_I8, (long)k + size);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Ldloc, _length);
            _il.Emit(OpCodes.Conv_I8);
            _il.Emit(OpCodes.Bgt_Un, _zero);
            _il.Emit(OpCodes.Ldloc, _data);
            _il.Emit(OpCodes.Ldloc, _x);
            _il.Emit(OpCodes.Conv_U8);
            _il.Emit(OpCodes.Ldc_I8, (long)k);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Conv_I);
            _il.Emit(OpCodes.Add);
            Read(size);
        }

        private void Read(int size)
        {
            switch (size)
            {
                case 1:
                    _il.Emit(OpCodes.Ldind_U1);
                    break;
                case 2:
                    _il.Emit(OpCodes.Unaligned, (byte)1);
                    _il.Emit(OpCodes.Ldind_U2);
                    _il.Emit(OpCodes.Call, Reverse16);
                    break;
                default:
                    _il.Emit(OpCodes.Unaligned, (byte)1);
                    _il.Emit(OpCodes.Ldind_U4);
                    _il.Emit(OpCodes.Call, Reverse32);
                    break;
            }
        }

        private void Jump(int pc, uint k)
        {
            int target = pc + 1 + (int)k;
            if ((int)k < 0)
            {
                // libpcap bounds backward jumps per packet (MAX_BACKWARD_JUMPS), so a loop cannot hang a reader.
                _backwardJumps ??= _il.DeclareLocal(typeof(int));
                _il.Emit(OpCodes.Ldloc, _backwardJumps);
                _il.Emit(OpCodes.Ldc_I4, BpfInterpreter.MaxBackwardJumps);
                _il.Emit(OpCodes.Bge, _zero);
                _il.Emit(OpCodes.Ldloc, _backwardJumps);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.Add);
                _il.Emit(OpCodes.Stloc, _backwardJumps);
            }
            if (k != 0) _il.Emit(OpCodes.Br, _labels[target]);
        }

        private void ConditionalJump(int pc, BpfInstruction ins)
        {
            Label taken = _labels[pc + 1 + ins.JumpTrue], notTaken = _labels[pc + 1 + ins.JumpFalse];
            if (ins.JumpTrue == ins.JumpFalse)
            {
                if (ins.JumpTrue != 0) _il.Emit(OpCodes.Br, taken);
                return;
            }
            _il.Emit(OpCodes.Ldloc, _a);
            if ((ins.Code & SrcX) != 0) _il.Emit(OpCodes.Ldloc, _x); else Constant(ins.K);
            switch (ins.Code & 0xf0)
            {
                case JmpJeq: _il.Emit(OpCodes.Beq, taken); break;
                case JmpJgt: _il.Emit(OpCodes.Bgt_Un, taken); break;
                case JmpJge: _il.Emit(OpCodes.Bge_Un, taken); break;
                default: _il.Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, taken); break;
            }
            if (ins.JumpFalse != 0) _il.Emit(OpCodes.Br, notTaken);
        }

        private void Arithmetic(BpfInstruction ins)
        {
            bool byX = (ins.Code & SrcX) != 0;
            int op = ins.Code & 0xf0;
            if (byX && op is AluDiv or AluMod)
            {
                _il.Emit(OpCodes.Ldloc, _x);
                _il.Emit(OpCodes.Brfalse, _zero);
            }
            if (byX && op is AluLsh or AluRsh)
            {
                // IL leaves a shift by 32 or more undefined; libpcap gives 0.
                Label inRange = _il.DefineLabel(), done = _il.DefineLabel();
                _il.Emit(OpCodes.Ldloc, _x);
                _il.Emit(OpCodes.Ldc_I4, 32);
                _il.Emit(OpCodes.Blt_Un, inRange);
                _il.Emit(OpCodes.Ldc_I4_0);
                _il.Emit(OpCodes.Stloc, _a);
                _il.Emit(OpCodes.Br, done);
                _il.MarkLabel(inRange);
                _il.Emit(OpCodes.Ldloc, _a);
                _il.Emit(OpCodes.Ldloc, _x);
                _il.Emit(op == AluLsh ? OpCodes.Shl : OpCodes.Shr_Un);
                _il.Emit(OpCodes.Stloc, _a);
                _il.MarkLabel(done);
                return;
            }
            _il.Emit(OpCodes.Ldloc, _a);
            if (byX) _il.Emit(OpCodes.Ldloc, _x); else Constant(ins.K);
            _il.Emit(op switch
            {
                AluAdd => OpCodes.Add,
                AluSub => OpCodes.Sub,
                AluMul => OpCodes.Mul,
                AluDiv => OpCodes.Div_Un,
                AluMod => OpCodes.Rem_Un,
                AluAnd => OpCodes.And,
                AluOr => OpCodes.Or,
                AluXor => OpCodes.Xor,
                AluLsh => OpCodes.Shl,
                _ => OpCodes.Shr_Un,
            });
            _il.Emit(OpCodes.Stloc, _a);
        }
    }
}
