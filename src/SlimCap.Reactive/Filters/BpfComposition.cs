namespace SlimCap.Reactive.Filters;

/// <summary>Joins two programs into one that accepts what both accept: the first as a gate, then the second.</summary>
internal static class BpfComposition
{
    /// <summary>
    /// <paramref name="gate"/>, whose accepting returns become jumps to <paramref name="then"/> (appended after it),
    /// so a packet the gate drops is dropped and one it accepts gets <paramref name="then"/>'s verdict and length. Every
    /// instruction keeps its position, so no jump offset changes. The gate may return only constants.
    /// </summary>
    public static BpfProgram Then(BpfProgram gate, BpfProgram then)
    {
        var code = new List<BpfInstruction>(gate.Length + then.Length);
        for (int pc = 0; pc < gate.Length; pc++)
        {
            BpfInstruction ins = gate.Instructions[pc];
            if (ins.Code == (BpfInstruction.ClassRet | BpfInstruction.SrcA))
                throw new ArgumentException("the gate program must return constants only", nameof(gate));
            bool accepts = ins.Code == (BpfInstruction.ClassRet | BpfInstruction.SrcK) && ins.K != 0;
            code.Add(accepts ? new BpfInstruction(BpfInstruction.ClassJmp | BpfInstruction.JmpJa, 0, 0, (uint)(gate.Length - pc - 1)) : ins);
        }
        code.AddRange(then.Instructions);
        return new BpfProgram(code);
    }
}
