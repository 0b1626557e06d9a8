using BenchmarkDotNet.Running;
using CallJoin.Benchmarks;

if (args is ["pending-memory", ..])
{
    PendingStoreMemoryReport.Run(Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
