namespace SlimCap.Reactive.FilterLanguage;

/// <summary>Placeholder pass-through until the optimizer lands.</summary>
internal static class Optimizer
{
    public static Block Optimize(Block root) => root;
}
