using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// Reports leases that are misused: a <see cref="PacketBlock"/> dropped without being disposed (found by the garbage
/// collector, which then gives its block back), and, in the opt-in diagnostic mode, one disposed twice — each with the
/// stack of whoever took the lease, as Kestrel's diagnostic memory pool does.
/// </summary>
/// <remarks>
/// The diagnostic mode records a stack trace per lease, which costs far more than the capture itself: turn it on to
/// find a leak (<c>LeaseDiagnostics.Enabled = true</c>, or the environment variable <c>SLIMCAP_LEASE_DIAGNOSTICS=1</c>),
/// not in production. Without it, undisposed leases are still counted and reported, without stacks.
/// Thread safety: everything here may be used from any thread; <see cref="ProblemDetected"/> is raised on the thread
/// that found the problem (the finalizer thread for undisposed leases), so handlers must be quick and must not throw.
/// </remarks>
public static class LeaseDiagnostics
{
    private static long s_reclaimed;

    /// <summary>Whether new leases record who took them (and disposes, who disposed them). Off unless <c>SLIMCAP_LEASE_DIAGNOSTICS=1</c>.</summary>
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("SLIMCAP_LEASE_DIAGNOSTICS") == "1";

    /// <summary>Leases the garbage collector found undisposed since the process started (their blocks were given back then).</summary>
    public static long ReclaimedLeases => Interlocked.Read(ref s_reclaimed);

    /// <summary>Raised for each misused lease found.</summary>
    public static event EventHandler<LeaseProblemEventArgs>? ProblemDetected;

    internal static void OnReclaimed(LeaseOrigin? origin)
    {
        Interlocked.Increment(ref s_reclaimed);
        Report(new LeaseProblemEventArgs(LeaseProblem.NotDisposed, origin?.LeasedAt, null));
    }

    internal static void OnDisposedAgain(LeaseOrigin? origin)
    {
        if (origin is null) return; // disposing twice is allowed (IDisposable); only the diagnostic mode reports it
        Report(new LeaseProblemEventArgs(LeaseProblem.DisposedTwice, origin.LeasedAt, origin.DisposedAt));
    }

    private static void Report(LeaseProblemEventArgs problem)
    {
        EventHandler<LeaseProblemEventArgs>? handlers = ProblemDetected;
        if (handlers is null)
        {
            Trace.TraceWarning(problem.ToString());
            return;
        }
        try
        {
            handlers(null, problem);
        }
        catch (Exception e)
        {
            // On the finalizer thread an exception would end the process: a diagnostic must never do that.
            Trace.TraceError($"A LeaseDiagnostics.ProblemDetected handler threw: {e}");
        }
    }
}

/// <summary>What was wrong with a lease.</summary>
public enum LeaseProblem
{
    /// <summary>The lease object became unreachable without being disposed; its block was given back by the garbage collector.</summary>
    NotDisposed,
    /// <summary>The lease was disposed a second time (reported in the diagnostic mode only).</summary>
    DisposedTwice,
}

/// <summary>One misused lease, as <see cref="LeaseDiagnostics.ProblemDetected"/> reports it.</summary>
public sealed class LeaseProblemEventArgs : EventArgs
{
    internal LeaseProblemEventArgs(LeaseProblem problem, string? leasedAt, string? firstDisposedAt)
    {
        Problem = problem;
        LeasedAt = leasedAt;
        FirstDisposedAt = firstDisposedAt;
    }

    /// <summary>What was wrong.</summary>
    public LeaseProblem Problem { get; }

    /// <summary>The stack of whoever took the lease (in the diagnostic mode; null otherwise).</summary>
    public string? LeasedAt { get; }

    /// <summary>For <see cref="LeaseProblem.DisposedTwice"/>: the stack of the first dispose.</summary>
    public string? FirstDisposedAt { get; }

    /// <summary>A one-paragraph description with the stacks.</summary>
    public override string ToString() => Problem switch
    {
        LeaseProblem.NotDisposed => "SlimCap.Reactive: a PacketBlock lease was never disposed; the garbage collector gave its block back." +
            (LeasedAt is null ? " Set LeaseDiagnostics.Enabled (or SLIMCAP_LEASE_DIAGNOSTICS=1) to see who took it." : $" It was leased at:{Environment.NewLine}{LeasedAt}"),
        _ => $"SlimCap.Reactive: a PacketBlock lease was disposed twice. It was leased at:{Environment.NewLine}{LeasedAt}{Environment.NewLine}and first disposed at:{Environment.NewLine}{FirstDisposedAt}",
    };
}

/// <summary>Who took a lease, and who disposed it first: recorded in the diagnostic mode only, beside the lease.</summary>
internal sealed class LeaseOrigin
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PacketBlock, LeaseOrigin> s_origins = new();
    private static int s_recorded; // skips the lookup entirely while the diagnostic mode was never on

    internal string LeasedAt { get; } = new StackTrace(3, fNeedFileInfo: true).ToString();

    internal static void Record(PacketBlock lease)
    {
        Volatile.Write(ref s_recorded, 1);
        s_origins.AddOrUpdate(lease, new LeaseOrigin());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static LeaseOrigin? Of(PacketBlock lease) =>
        Volatile.Read(ref s_recorded) != 0 && s_origins.TryGetValue(lease, out LeaseOrigin? origin) ? origin : null;

    internal string? DisposedAt { get; private set; }

    internal void MarkDisposed() => DisposedAt = new StackTrace(1, fNeedFileInfo: true).ToString();
}
