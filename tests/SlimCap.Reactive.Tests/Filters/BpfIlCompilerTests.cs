using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Filters;

/// <summary>The IL-compiled filter returns exactly what libpcap's interpreter returns, on every corpus record and on mutated frames.</summary>
public sealed class BpfIlCompilerTests
{
    private static readonly Lazy<List<(string Name, BpfProgram Program)>> TcpdumpSet = new(() =>
        FilterGroundTruth.Expressions().Where(e => e.Valid)
            .SelectMany(e => new[] { ($"{e.Id} optimized", TcpdumpPrograms.Compile(e.Expression)), ($"{e.Id} unoptimized", TcpdumpPrograms.Compile(e.Expression, optimize: false)) })
            .Select(p => (p.Item1, new BpfProgram(p.Item2))).ToList());

    [Fact]
    public void Compile_gives_IL_here_and_the_same_delegate_each_time()
    {
        Assert.True(BpfProgram.CompilesToIL);
        var program = new BpfProgram([BpfInstruction.Return(7)]);
        Assert.Same(program.Compile(), program.Compile());
        Assert.NotEqual(typeof(BpfProgram), program.Compile().Method.DeclaringType);
    }

    [Fact]
    public void IL_and_interpreter_agree_on_every_corpus_record_and_keep_the_ground_truth()
    {
        var differences = new List<string>();
        foreach ((string name, BpfProgram program) in TcpdumpSet.Value)
        {
            BpfFilterFunction il = program.Compile();
            foreach ((string file, List<FileRecordCopy> records) in FilterGroundTruth.Records)
            {
                foreach (FileRecordCopy r in records)
                {
                    uint expected = program.Run(r.Data, (uint)r.TotalLength), actual = il(r.Data, (uint)r.TotalLength);
                    if (expected != actual && differences.Count < 10) differences.Add($"{name} {file}: interpreter {expected}, IL {actual}");
                }
            }
            if (name.EndsWith(" optimized", StringComparison.Ordinal))
                differences.AddRange(FilterGroundTruth.Differences(name.Split(' ')[0], r => il(r.Data, (uint)r.TotalLength) != 0).Take(2));
        }
        Assert.Empty(differences);
    }

    [Fact]
    public void IL_and_interpreter_agree_on_a_hundred_thousand_mutated_frames()
    {
        var random = new Random(1201);
        List<byte[]> seeds = FilterGroundTruth.Records.SelectMany(f => f.Records).Select(r => r.Data).Where(d => d.Length > 0).ToList();
        var frames = new (byte[] Data, uint Wire)[100_000];
        for (int i = 0; i < frames.Length; i++)
        {
            byte[] data = i % 10 == 0 ? RandomBytes(random) : Mutate(random, seeds[random.Next(seeds.Count)]);
            frames[i] = (data, random.Next(4) switch { 0 => (uint)data.Length, 1 => (uint)random.Next(0, 70000), 2 => uint.MaxValue - (uint)random.Next(2000), _ => (uint)data.Length + (uint)random.Next(0, 1500) });
        }

        var programs = TcpdumpSet.Value.Where((_, i) => i % 6 == 0).ToList();
        var generator = new BpfProgramGenerator(99);
        while (programs.Count < 80)
        {
            BpfInstruction[] code = programs.Count % 2 == 0 ? generator.WellFormed(40) : generator.Mutated();
            if (BpfProgram.Check(code, BpfDialect.Libpcap) is null) programs.Add(($"generated {programs.Count}", new BpfProgram(code)));
        }
        Assert.Contains(programs, p => p.Program.Instructions.Any(ins => ins.Code == 0x05 && (int)ins.K < 0)); // backward jumps included

        var differences = new List<string>();
        int accepted = 0;
        foreach ((string name, BpfProgram program) in programs)
        {
            BpfFilterFunction il = program.Compile();
            foreach ((byte[] data, uint wire) in frames)
            {
                uint expected = program.Run(data, wire), actual = il(data, wire);
                if (expected != 0) accepted++;
                if (expected != actual && differences.Count < 10)
                    differences.Add($"{name} [{string.Join(", ", program.Instructions)}] on {Convert.ToHexString(data.AsSpan(0, Math.Min(64, data.Length)))} (wire {wire}): interpreter {expected}, IL {actual}");
            }
        }
        Assert.Empty(differences);
        Assert.InRange(accepted, programs.Count * frames.Length / 50, programs.Count * frames.Length - programs.Count * frames.Length / 50);
    }

    private static byte[] RandomBytes(Random random)
    {
        var data = new byte[random.Next(0, 200)];
        random.NextBytes(data);
        return data;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        byte[] data = seed.AsSpan(0, random.Next(3) == 0 ? random.Next(0, seed.Length + 1) : seed.Length).ToArray();
        for (int flips = random.Next(0, 4); flips > 0 && data.Length > 0; flips--)
            data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
        return data;
    }
}
