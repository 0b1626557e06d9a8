namespace CallJoin.Chaos;

/// <summary>One fault of a run's plan, applied once <see cref="At"/> of the workload's messages are published and the previous fault is done.</summary>
internal sealed record FaultStep(double At, FaultKind Kind, int Number);
