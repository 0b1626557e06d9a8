using System.Text;

namespace CallJoin.Workload;

/// <summary>
/// The fixed vocabulary of a workload as UTF-8: projects (internal ids as the trace server stores them), op names in
/// their three forms, object refs, users, runs, models and client attributes. Immutable; shared by every pass.
/// </summary>
internal sealed class WorkloadCatalog
{
    /// <summary>Op names per <see cref="OpKind"/> (several for some kinds).</summary>
    private static readonly string[][] s_opNames =
    [
        ["openai.chat.completions.create"],
        ["anthropic.Messages.create"],
        ["openai.embeddings.create"],
        ["VectorStore.retrieve", "retrieve_documents"],
        ["rerank"],
        ["search_web", "get_weather", "run_sql", "lookup_order", "send_email"],
        ["SupportAgent.run", "ResearchAgent.invoke"],
        ["Agent.step"],
        ["RagModel.predict"],
        ["ChatBot.respond"],
        ["Evaluation.evaluate"],
        ["Evaluation.predict_and_score"],
        ["QAModel.predict"],
        ["correctness_scorer", "HallucinationFreeScorer.score", "relevance_scorer"],
    ];

    private static readonly string[] s_objects = ["SupportAgent", "RagModel", "QAModel", "ChatBot", "Evaluation", "Dataset", "VectorStore", "Document", "Prompt", "HallucinationFreeScorer"];

    private static readonly string[] s_entities = ["acme-ai", "wandb-demo", "globex", "initech", "umbrella-labs", "stark-ml", "hooli", "soylent"];

    private static readonly string[] s_projectNames = ["support-bot", "rag-eval", "agents", "chat-prod", "search", "copilot", "summarizer", "triage"];

    private readonly byte[][][][] _opNames;
    private readonly byte[][][] _objectRefs;
    private readonly byte[][] _runIds;

    /// <summary><see cref="WorkloadOptions.CompactHalves"/>: the shortest client attributes and no otel_dump.</summary>
    public bool CompactHalves { get; }

    public WorkloadCatalog(WorkloadOptions options, int runsPerProject)
    {
        int projects = options.Projects;
        CompactHalves = options.CompactHalves;
        var seed = (ulong)(uint)options.Seed;
        ProjectIds = new byte[projects][];
        _opNames = new byte[projects][][][];
        _objectRefs = new byte[projects][][];
        var users = new byte[projects][][];
        _runIds = new byte[projects * runsPerProject][];
        long number = 1_000_000 + (long)(WorkloadRandom.Mix(seed, 1) % 1_000_000);
        for (int p = 0; p < projects; p++)
        {
            // Internal project ids are base64 of "ProjectInternalId:<n>"; refs need one without '/' (and we skip '+').
            string id;
            do
            {
                id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"ProjectInternalId:{number++}"));
            }
            while (id.Contains('/', StringComparison.Ordinal) || id.Contains('+', StringComparison.Ordinal));

            ProjectIds[p] = Encoding.ASCII.GetBytes(id);
            var entity = s_entities[p % s_entities.Length];
            var project = s_projectNames[p % s_projectNames.Length] + (p < s_projectNames.Length ? "" : $"-{p / s_projectNames.Length}");
            _opNames[p] = new byte[s_opNames.Length][][];
            for (int k = 0; k < s_opNames.Length; k++)
            {
                _opNames[p][k] = new byte[s_opNames[k].Length * 3][];
                for (int v = 0; v < s_opNames[k].Length; v++)
                {
                    var name = s_opNames[k][v];
                    var digest = Digest(seed, id + "/op/" + name);
                    _opNames[p][k][v * 3] = Encoding.ASCII.GetBytes($"weave-trace-internal:///{id}/op/{name}:{digest}");
                    _opNames[p][k][(v * 3) + 1] = Encoding.ASCII.GetBytes($"weave:///{entity}/{project}/op/{name}:{digest}");
                    _opNames[p][k][(v * 3) + 2] = Encoding.ASCII.GetBytes(name);
                }
            }

            _objectRefs[p] = [.. s_objects.Select(o => Encoding.ASCII.GetBytes($"weave-trace-internal:///{id}/object/{o}:{Digest(seed, id + "/object/" + o)}"))];
            users[p] = [.. Enumerable.Range(0, 12).Select(u => Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.ASCII.GetBytes($"User:{(p * 97) + u + 40_000}"))))];
            for (int r = 0; r < runsPerProject; r++)
            {
                _runIds[(p * runsPerProject) + r] = Encoding.ASCII.GetBytes($"{entity}/{project}/{Digest(seed, $"{id}/run/{r}")[..8].ToLowerInvariant().Replace('-', 'x').Replace('_', 'y')}");
            }
        }

        UserIds = users;
        Text = new TextSource();
    }

    /// <summary>Per project: its internal id, the call's project_id.</summary>
    public byte[][] ProjectIds { get; }

    /// <summary>Per project and user: a wb_user_id.</summary>
    public byte[][][] UserIds { get; }

    public TextSource Text { get; }

    public static int OpVariants(OpKind op) => s_opNames[(int)op].Length;

    /// <summary>The op_name of <paramref name="op"/> in project <paramref name="project"/>: form 0 an internal ref, 1 a weave:/// ref, 2 the plain name.</summary>
    public byte[] OpName(int project, OpKind op, int variant, int form) => _opNames[project][(int)op][(variant * 3) + form];

    /// <summary>The plain op name.</summary>
    public static string PlainOpName(OpKind op, int variant) => s_opNames[(int)op][variant];

    /// <summary>An internal object ref (<c>weave-trace-internal:///&lt;project&gt;/object/&lt;name&gt;:&lt;digest&gt;</c>) by index into the catalog's objects.</summary>
    public byte[] ObjectRef(int project, CatalogObject kind) => _objectRefs[project][(int)kind];

    public byte[] RunId(int run) => _runIds[run];

    /// <summary>A Weave-style digest: 43 characters of unpadded base64url, fixed by the seed and the text.</summary>
    public static string Digest(ulong seed, string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        var random = new WorkloadRandom(WorkloadRandom.Mix(seed, hash));
        var bytes = new byte[32];
        for (int i = 0; i < bytes.Length; i += 8)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i), random.NextUInt64());
        }

        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
