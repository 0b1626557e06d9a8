using CallJoin.Core.Halves;

namespace CallJoin.Workload;

/// <summary>
/// Plans a workload tree by tree: shapes (a root with nested calls to depth <see cref="MaxDepth"/>), ids, payload
/// times (children start after and end before their parent), fates, record times and payload sizes. Draws only from
/// its own generator, so a planning pass alone (for the expectation) makes exactly the decisions of a rendering pass.
/// </summary>
/// <remarks>Not thread-safe; one per pass.</remarks>
internal sealed class TracePlanner
{
    /// <summary>The deepest nesting: a root is at depth 0.</summary>
    public const int MaxDepth = 4;

    private const int UsersPerProject = 12;
    private const int ThreadsPerProject = 40;
    /// <summary>W&amp;B runs per project that trees may belong to.</summary>
    public const int RunsPerProject = 6;
    private const long MicrosPerMilli = 1000;
    private const long MicrosPerSecond = 1_000_000;

    private readonly WorkloadOptions _options;
    private readonly WorkloadRandom _random;
    private readonly long _epochMillis;
    private readonly long _spanMillis;
    private readonly long _maxCallMicros;
    private readonly long _maxGapMillis;
    private readonly long _longMillis;
    private readonly int[] _runSteps;
    private readonly OpKind[][] _children = [.. Enumerable.Range(0, MaxDepth + 1).Select(_ => new OpKind[16])];
    private List<PlannedCall> _tree = [];
    private int _limit;
    private int _planned;
    private CallId _traceId;
    private CallId _rootId;
    private CallId _threadId;
    private int _project;
    private int _user;
    private int _run;
    private int _runStep;

    public TracePlanner(WorkloadOptions options)
    {
        _options = options;
        _random = new WorkloadRandom(WorkloadRandom.Mix((ulong)(uint)options.Seed, 0x706C616E));
        _epochMillis = options.Epoch.ToUnixTimeMilliseconds();
        _spanMillis = (long)options.Span.TotalMilliseconds;
        _maxCallMicros = (long)(options.MaxCallDuration.TotalMilliseconds * MicrosPerMilli);
        _maxGapMillis = (long)options.MaxCallDuration.TotalMilliseconds;
        _longMillis = (long)options.LongRunningAfter.TotalMilliseconds;
        _runSteps = new int[options.Projects * RunsPerProject];
    }

    /// <summary>The record time (ms) no event of the last planned tree, or of any later one, comes before.</summary>
    public long TreeBaseMillis { get; private set; }

    /// <summary>Plans the next tree into <paramref name="tree"/> (cleared first), in preorder; false when all calls are planned.</summary>
    public bool NextTree(List<PlannedCall> tree)
    {
        tree.Clear();
        if (_planned >= _options.Calls)
        {
            return false;
        }

        _tree = tree;
        _limit = _options.Calls - _planned;
        var rootMillis = _epochMillis + (long)((double)_spanMillis * _planned / _options.Calls);
        TreeBaseMillis = rootMillis;
        var rootStart = (rootMillis * MicrosPerMilli) + _random.Between(0, 999);

        var op = PickRoot();
        _project = _random.Next(_options.Projects);
        _user = _random.Next(UsersPerProject);
        _traceId = CallId.Version7(rootMillis, _random);
        _threadId = op is OpKind.ChatTurn or OpKind.AgentRun && _random.Chance(0.6)
            ? ThreadOf(_project, _random.Next(ThreadsPerProject))
            : default;
        _run = _random.Chance(op == OpKind.Evaluation ? 0.7 : 0.05) ? (_project * RunsPerProject) + _random.Next(RunsPerProject) : -1;
        _runStep = _run >= 0 ? _runSteps[_run]++ : 0;

        var fate = DrawFate();
        long rootEnd;
        if (fate == CallFate.LongRunning)
        {
            // A root that really runs long; its children still fit inside it.
            rootEnd = rootStart + ((_longMillis + _random.Between(1_030, Math.Max(1_030, _longMillis - 30))) * MicrosPerMilli) + _random.Between(0, 999);
        }
        else
        {
            rootEnd = rootStart + Math.Min(NaturalDuration(op), _maxCallMicros - (50 * MicrosPerMilli));
        }

        _rootId = default;
        Plan(op, default, 0, 0, rootStart, rootEnd, fate);
        _planned += tree.Count;
        return true;
    }

    private void Plan(OpKind op, CallId parent, int depth, int ordinal, long started, long ended, CallFate fate)
    {
        if (_tree.Count >= _limit)
        {
            return;
        }

        var id = CallId.Version7(started / MicrosPerMilli, _random);
        if (depth == 0)
        {
            _rootId = id;
        }

        var call = new PlannedCall
        {
            Index = _planned + _tree.Count,
            Id = id,
            TraceId = _traceId,
            ParentId = parent,
            RootId = _rootId,
            ThreadId = _threadId,
            Project = _project,
            Op = op,
            Depth = depth,
            Ordinal = ordinal,
            Run = _run,
            RunStep = _runStep,
            User = _user,
            StartedAtMicros = started,
            EndedAtMicros = ended,
            Fate = fate,
            ContentSeed = _random.NextUInt64(),
        };
        PlanRecords(call);
        PlanExtras(call);
        _tree.Add(call);

        if (depth >= MaxDepth)
        {
            return;
        }

        var children = _children[depth];
        int count = ChildrenOf(op, children);
        if (count == 0)
        {
            return;
        }

        // Children run one after another, each inside its own slot of the parent's interval.
        Span<double> weights = stackalloc double[count];
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            weights[i] = 0.5 + _random.NextDouble();
            total += weights[i];
        }

        long inner = ended - started - 2;
        long cursor = started + 1;
        for (int i = 0; i < count; i++)
        {
            long slot = (long)(inner * (weights[i] / total));
            long slotEnd = i == count - 1 ? ended - 1 : cursor + slot;
            if (slotEnd - cursor < 2)
            {
                break;
            }

            long childStart = cursor + _random.Between(0, (slotEnd - cursor) / 20);
            long childLimit = Math.Min(slotEnd, childStart + _maxCallMicros - (50 * MicrosPerMilli));
            long childEnd = Math.Clamp(childStart + NaturalDuration(children[i]), childStart + 1, Math.Max(childStart + 1, childLimit));
            var childOp = children[i];
            var childFate = DrawFate();
            Plan(childOp, id, depth + 1, i, childStart, childEnd, childFate);
            cursor = slotEnd;
            if (_tree.Count >= _limit)
            {
                return;
            }
        }
    }

    private void PlanRecords(PlannedCall call)
    {
        long startedMillis = call.StartedAtMicros / MicrosPerMilli;
        long endedMillis = call.EndedAtMicros / MicrosPerMilli;
        long startLatency = _random.Between(0, 25);
        long endLatency = _random.Between(0, 25);
        switch (call.Fate)
        {
            case CallFate.Normal:
                call.StartRecordMillis = startedMillis + startLatency;
                call.EndRecordMillis = Math.Clamp(endedMillis + endLatency, call.StartRecordMillis, call.StartRecordMillis + _maxGapMillis);
                break;
            case CallFate.EndBeforeStart:
                call.EndRecordMillis = endedMillis + endLatency;
                call.StartRecordMillis = call.EndRecordMillis + _random.Between(1, _maxGapMillis);
                break;
            case CallFate.OrphanEnd:
                call.EndRecordMillis = endedMillis + endLatency;
                break;
            case CallFate.NeverEnds:
                call.StartRecordMillis = startedMillis + startLatency;
                break;
            case CallFate.LongRunning:
                call.StartRecordMillis = startedMillis + startLatency;
                call.EndRecordMillis = call.Depth == 0
                    ? Math.Clamp(endedMillis + endLatency, call.StartRecordMillis + _longMillis + 1_000, call.StartRecordMillis + (2 * _longMillis))
                    : call.StartRecordMillis + _longMillis + _random.Between(1_000, _longMillis);
                break;
            case CallFate.LateStart:
                call.EndRecordMillis = endedMillis + endLatency;
                call.StartRecordMillis = call.EndRecordMillis + _longMillis + _random.Between(1_000, _longMillis);
                break;
        }
    }

    private void PlanExtras(PlannedCall call)
    {
        if (_random.Chance(_options.DuplicateHalf))
        {
            var side = !call.HasStart ? CallSide.End : !call.HasEnd ? CallSide.Start : _random.Chance(0.5) ? CallSide.Start : CallSide.End;
            call.Duplicate = side;
            call.DuplicateRecordMillis = (side == CallSide.Start ? call.StartRecordMillis : call.EndRecordMillis) + _random.Between(1, _maxGapMillis);
        }

        if (_random.Chance(_options.Malformed))
        {
            call.Malformed = _random.Pick(HalfDefects.Malformed);
            call.MalformedSide = _random.Chance(0.5) ? CallSide.Start : CallSide.End;
            call.MalformedId = CallId.Version7(call.StartedAtMicros / MicrosPerMilli, _random);
            call.MalformedRecordMillis = (call.StartedAtMicros / MicrosPerMilli) + _random.Between(0, 1_000);
        }

        call.Fails = _random.Chance(0.02);
        int cap = _options.MaxPayloadBytes - 2048;
        // The same two draws either way, so CompactHalves changes sizes only, never fates or timing.
        call.StartBytes = (int)(_options.CompactHalves ? _random.LogUniform(100, 300) : _random.LogUniform(500, 1_800));
        call.EndBytes = (int)(_options.CompactHalves ? _random.LogUniform(100, 300) : _random.LogUniform(450, 1_800));
        double size = _random.NextDouble();
        if (size < _options.LargePayloads + _options.MediumPayloads)
        {
            int bytes = size < _options.LargePayloads
                ? (int)_random.LogUniform(Math.Min(200_000, cap / 2), cap)
                : (int)_random.LogUniform(5_000, Math.Min(50_000, cap));
            bool bigEnd = call.Op switch
            {
                OpKind.Retrieve or OpKind.Embedding or OpKind.Rerank => true,
                OpKind.OpenAiChat or OpKind.AnthropicMessages => _random.Chance(0.3),
                _ => _random.Chance(0.5),
            };
            if (bigEnd)
            {
                call.EndBytes = bytes;
            }
            else
            {
                call.StartBytes = bytes;
            }
        }
    }

    private CallFate DrawFate()
    {
        double u = _random.NextDouble();
        var o = _options;
        return (u -= o.EndBeforeStart) < 0 ? CallFate.EndBeforeStart
            : (u -= o.OrphanEnd) < 0 ? CallFate.OrphanEnd
            : (u -= o.NeverEnds) < 0 ? CallFate.NeverEnds
            : (u -= o.LongRunning) < 0 ? CallFate.LongRunning
            : (u - o.LateStart) < 0 ? CallFate.LateStart
            : CallFate.Normal;
    }

    private OpKind PickRoot()
    {
        double u = _random.NextDouble();
        return u < 0.28 ? OpKind.OpenAiChat
            : u < 0.38 ? OpKind.AnthropicMessages
            : u < 0.43 ? OpKind.Embedding
            : u < 0.46 ? OpKind.Tool
            : u < 0.61 ? OpKind.RagPipeline
            : u < 0.74 ? OpKind.ChatTurn
            : u < 0.92 ? OpKind.AgentRun
            : OpKind.Evaluation;
    }

    private OpKind Llm() => _random.Chance(0.75) ? OpKind.OpenAiChat : OpKind.AnthropicMessages;

    /// <summary>Draws the ops nested directly under <paramref name="op"/> into <paramref name="children"/>; returns how many.</summary>
    private int ChildrenOf(OpKind op, OpKind[] children)
    {
        int n = 0;
        switch (op)
        {
            case OpKind.Retrieve when _random.Chance(0.5):
                children[n++] = OpKind.Embedding;
                break;
            case OpKind.Tool when _random.Chance(0.35):
            case OpKind.Scorer when _random.Chance(0.5):
                children[n++] = Llm();
                break;
            case OpKind.AgentRun:
                for (int i = (int)_random.Between(2, 6); i > 0; i--)
                {
                    children[n++] = OpKind.AgentStep;
                }

                break;
            case OpKind.AgentStep:
                children[n++] = Llm();
                if (_random.Chance(0.6))
                {
                    children[n++] = OpKind.Tool;
                }

                if (_random.Chance(0.2))
                {
                    children[n++] = OpKind.Tool;
                }

                break;
            case OpKind.RagPipeline:
                children[n++] = OpKind.Retrieve;
                if (_random.Chance(0.4))
                {
                    children[n++] = OpKind.Rerank;
                }

                children[n++] = Llm();
                break;
            case OpKind.ChatTurn:
                double u = _random.NextDouble();
                children[n++] = u < 0.5 ? OpKind.RagPipeline : u < 0.8 ? OpKind.AgentRun : Llm();
                break;
            case OpKind.Evaluation:
                for (int i = (int)_random.Between(2, 8); i > 0; i--)
                {
                    children[n++] = OpKind.PredictAndScore;
                }

                break;
            case OpKind.PredictAndScore:
                children[n++] = OpKind.ModelPredict;
                for (int i = (int)_random.Between(1, 2); i > 0; i--)
                {
                    children[n++] = OpKind.Scorer;
                }

                break;
            case OpKind.ModelPredict:
                children[n++] = _random.Chance(0.6) ? Llm() : OpKind.RagPipeline;
                break;
        }

        return n;
    }

    /// <summary>How long a call of <paramref name="op"/> takes when nothing constrains it, in µs.</summary>
    private long NaturalDuration(OpKind op) => op switch
    {
        OpKind.OpenAiChat => _random.LogUniform(300_000, 20 * MicrosPerSecond),
        OpKind.AnthropicMessages => _random.LogUniform(500_000, 30 * MicrosPerSecond),
        OpKind.Embedding => _random.LogUniform(50_000, 800_000),
        OpKind.Retrieve => _random.LogUniform(20_000, 1_500_000),
        OpKind.Rerank => _random.LogUniform(50_000, 1_000_000),
        OpKind.Tool => _random.LogUniform(5_000, 3 * MicrosPerSecond),
        OpKind.AgentRun => _random.LogUniform(3 * MicrosPerSecond, 90 * MicrosPerSecond),
        OpKind.AgentStep => _random.LogUniform(1 * MicrosPerSecond, 20 * MicrosPerSecond),
        OpKind.RagPipeline => _random.LogUniform(1 * MicrosPerSecond, 25 * MicrosPerSecond),
        OpKind.ChatTurn => _random.LogUniform(1 * MicrosPerSecond, 30 * MicrosPerSecond),
        OpKind.Evaluation => _random.LogUniform(10 * MicrosPerSecond, 110 * MicrosPerSecond),
        OpKind.PredictAndScore => _random.LogUniform(1 * MicrosPerSecond, 30 * MicrosPerSecond),
        OpKind.ModelPredict => _random.LogUniform(500_000, 20 * MicrosPerSecond),
        _ => _random.LogUniform(10_000, 10 * MicrosPerSecond),
    };

    private CallId ThreadOf(int project, int thread)
    {
        var bits = WorkloadRandom.Mix((ulong)(uint)_options.Seed, (ulong)((project * ThreadsPerProject) + thread + 1));
        var high = ((ulong)_epochMillis << 16) | 0x7000UL | (bits & 0x0FFF);
        return new CallId(high, ((bits >> 12) & 0x3FFF_FFFF_FFFF_FFFFUL) | 0x8000_0000_0000_0000UL);
    }
}
