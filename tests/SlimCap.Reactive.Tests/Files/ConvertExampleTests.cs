using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// examples/Convert, run as a program (built once by the first test that needs it), and its core,
/// <see cref="CaptureFileConverter.Copy"/>, called directly.
/// </summary>
public class ConvertExampleTests
{
    private static readonly Lazy<string> ConvertDll = new(BuildConvert);

    [Fact]
    public void Damaged_input_writes_records_before_the_damage_and_exits_1_naming_the_offset()
    {
        const string file = "damaged-1-014-cut-tcpdump-ptp_v2_1.pcap";
        Dictionary<string, string> row = Corpus.Table("damaged-manifest.tsv")[file];
        string output = TempFile(".pcap");
        try
        {
            (int exit, _, string stderr) = RunConvert(null, Corpus.PathOf("damaged", file), output);
            Assert.Equal(1, exit);
            var expected = Assert.IsType<CaptureFileException>(FileRecords.Read(() => CaptureFileSource.Open(Corpus.PathOf("damaged", file))).Error);
            Assert.Contains($"byte offset {expected.Offset}", stderr, StringComparison.Ordinal);
            (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(File.ReadAllBytes(output));
            Assert.Null(error);
            Assert.Equal(int.Parse(row["records"]), records.Count);
            Assert.Equal(row["records_md5"], Convert.ToHexStringLower(MD5.HashData(FileRecords.ManifestEncoding(records))));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void A_filter_expression_keeps_what_libpcap_keeps_and_a_bad_one_exits_1_before_writing()
    {
        // port-01 ('tcp port 22') over a file of the filter ground truth.
        string input = Corpus.PathOf("files", "tcpdump-afs.pcap");
        string output = TempFile(".pcap");
        try
        {
            (int exit, _, string stderr) = RunConvert(null, input, output, "--filter", "udp and port 7000");
            Assert.True(exit == 0, stderr);
            (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(File.ReadAllBytes(output));
            Assert.Null(error);
            var program = TcpdumpPrograms.Compile("udp and port 7000");
            var bpf = new SlimCap.Reactive.Filters.BpfProgram(program);
            List<FileRecordCopy> all = FileRecords.Read(() => CaptureFileSource.Open(input)).Records;
            List<FileRecordCopy> expected = all.Where(r => bpf.Run(r.Data, (uint)r.TotalLength) != 0).ToList();
            Assert.InRange(expected.Count, 1, all.Count - 1);
            Assert.Equal(FileRecords.ManifestEncoding(expected), FileRecords.ManifestEncoding(records));
            Assert.Contains($"{expected.Count} records", stderr, StringComparison.Ordinal);
            File.Delete(output);

            (exit, _, stderr) = RunConvert(null, input, output, "--filter", "udp and port");
            Assert.Equal(1, exit);
            Assert.Contains("syntax error", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(output), "a bad expression left an output file behind");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Several_link_types_to_pcap_fail_saying_to_write_pcapng_and_pcapng_works()
    {
        string input = Corpus.PathOf("files", "gopacket-pcapgo-tests-le-test101.pcapng");
        string pcap = TempFile(".pcap"), pcapng = TempFile(".pcapng");
        try
        {
            (int exit, _, string stderr) = RunConvert(null, input, pcap);
            Assert.Equal(1, exit);
            Assert.Contains("write pcapng", stderr, StringComparison.Ordinal);

            (exit, _, stderr) = RunConvert(null, input, pcapng);
            Assert.True(exit == 0, stderr);
            Dictionary<string, string> row = Corpus.Table("beyond-libpcap.tsv")["gopacket-pcapgo-tests-le-test101.pcapng"];
            (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(File.ReadAllBytes(pcapng));
            Assert.Null(error);
            Assert.Equal(int.Parse(row["records"]), records.Count);
            Assert.Equal(row["records_md5"], Convert.ToHexStringLower(MD5.HashData(FileRecords.ManifestEncoding(records))));
        }
        finally
        {
            File.Delete(pcap);
            File.Delete(pcapng);
        }
    }

    [Fact]
    public void Gzip_on_stdin_becomes_the_same_records_as_tcpdump_reads()
    {
        const string file = "gopacket-pcap-test_loopback.pcap";
        Dictionary<string, string> row = Corpus.Table("manifest.tsv")[file];
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(File.ReadAllBytes(Corpus.PathOf("files", file)));
        string output = TempFile(".pcap");
        try
        {
            (int exit, _, string stderr) = RunConvert(gz.ToArray(), "-", output);
            Assert.True(exit == 0, stderr);
            byte[] written = File.ReadAllBytes(output);
            Assert.Equal(row["records_md5"], Convert.ToHexStringLower(MD5.HashData(written.AsSpan(24))));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Copy_completes_the_writer_with_every_record_before_the_damage()
    {
        const string file = "damaged-1-044-cut-tcpdump-kday4.pcap";
        Dictionary<string, string> row = Corpus.Table("damaged-manifest.tsv")[file];
        var output = new MemoryStream();
        using CaptureFileSource source = CaptureFileSource.Open(Corpus.PathOf("damaged", file));
        using CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.Pcap, "memory", leaveOpen: true);
        Assert.Throws<CaptureFileException>(() => CaptureFileConverter.Copy(source, writer));
        Assert.True(writer.IsCompleted);
        Assert.Equal(int.Parse(row["records"]), writer.RecordsWritten);
        Assert.Equal(row["records_md5"], Convert.ToHexStringLower(MD5.HashData(output.ToArray().AsSpan(24))));
    }

    [Fact]
    public async Task A_closed_output_pipe_is_an_error_and_exit_1_not_a_success()
    {
        // Convert big.pcap - | head -c 1000: head leaves after 1000 bytes, the next write meets EPIPE.
        string input = TempFile(".pcap");
        File.WriteAllBytes(input, SmallCaptureFiles.Pcap(20_000));
        try
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "-c", "dotnet \"$0\" \"$1\" - | head -c 1000 > /dev/null; exit ${PIPESTATUS[0]}", ConvertDll.Value, input })
                start.ArgumentList.Add(a);
            using Process process = Process.Start(start)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            Assert.True(process.WaitForExit(60_000), "Convert did not finish in 60 s");
            string errors = await stderr;
            Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}: {errors}");
            Assert.Contains("writing the file failed", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("20000 records", errors, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static string TempFile(string extension) => Path.Combine(Path.GetTempPath(), $"slimcap-convert-{Guid.NewGuid():N}{extension}");

    private static (int Exit, byte[] Stdout, string Stderr) RunConvert(byte[]? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(ConvertDll.Value);
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        var stdout = new MemoryStream();
        Task copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        if (stdin is not null) process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            Assert.Fail("Convert did not finish in 60 s");
        }
        copyOut.Wait();
        return (process.ExitCode, stdout.ToArray(), stderr.Result);
    }

    private static string BuildConvert()
    {
        string project = Path.Combine(RepoRoot(), "examples", "Convert", "Convert.csproj");
        // One output folder per checkout: several worktrees (and their test runs) build their own Convert at once.
        string checkout = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RepoRoot())))[..12];
        string outputDir = Path.Combine(Path.GetTempPath(), $"slimcap-convert-build-{checkout}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "build", project, "-o", outputDir, "-nologo", "-v", "q" }) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"building {project} failed: {output.Result}{errors.Result}");
        return Path.Combine(outputDir, "Convert.dll");
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "SlimCap.Reactive.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("SlimCap.Reactive.sln not found");
    }
}
