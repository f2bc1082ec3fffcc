using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// Compiles this library's hot paths (the methods marked <see cref="MethodImplOptions.AggressiveOptimization"/>, which
/// skip tiering and are compiled fully optimized on their first call) when the process opens its first live source,
/// instead of on the first packets. There the compiles stall the capture thread while the ring fills (about 100 ms
/// in all: drops with a small ring, and a measurable share of the CPU of a short capture).
/// </summary>
internal static class HotPathPreparation
{
    private static int _prepared;

    /// <summary>Whether <see cref="EnsurePrepared"/> has run in this process.</summary>
    internal static bool IsPrepared => Volatile.Read(ref _prepared) != 0;

    /// <summary>Prepares every hot path once per process; later calls return at once.</summary>
    internal static void EnsurePrepared()
    {
        // Ahead-of-time code has nothing left to compile.
        if (RuntimeFeature.IsDynamicCodeCompiled && Interlocked.Exchange(ref _prepared, 1) == 0) PrepareAll();
    }

    /// <summary>Compiles each hot path (a generic one for reference-type arguments) and returns them.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Best effort: a method the trimmer removed is never called, so it needs no compiling.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Best effort: a method the trimmer removed is never called, so it needs no compiling.")]
    internal static List<MethodInfo> PrepareAll()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var prepared = new List<MethodInfo>();
        foreach (Type type in typeof(HotPathPreparation).Assembly.GetTypes())
        {
            if (type.ContainsGenericParameters) continue; // its instantiations are the caller's types
            foreach (MethodInfo method in type.GetMethods(All))
            {
                if ((method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) == 0 || method.IsAbstract) continue;
                Type[] parameters = method.GetGenericArguments(); // empty unless generic
                if (!parameters.All(Unconstrained)) continue;
                // A generic one as the code every reference-type instantiation shares (a callback's state is usually a class).
                RuntimeHelpers.PrepareMethod(method.MethodHandle, parameters.Length == 0 ? null : parameters.Select(_ => typeof(object).TypeHandle).ToArray());
                prepared.Add(method);
            }
        }
        return prepared;
    }

    private static bool Unconstrained(Type parameter) =>
        parameter.GenericParameterAttributes == GenericParameterAttributes.None && parameter.GetGenericParameterConstraints().Length == 0;
}
