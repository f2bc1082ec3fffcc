namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>The live-capture tests (rings and sockets on test namespaces' links) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCaptureCollection
{
    public const string Name = "live capture";
}
