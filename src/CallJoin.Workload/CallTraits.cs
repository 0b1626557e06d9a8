namespace CallJoin.Workload;

/// <summary>What both halves of a call agree on, drawn from its content seed: op variant and form, model, tokens, style.</summary>
internal readonly struct CallTraits
{
    /// <summary>Which op name of its kind.</summary>
    public int Variant { get; init; }

    /// <summary>0 an internal op ref, 1 a weave:/// ref, 2 a plain name.</summary>
    public int OpForm { get; init; }

    public int Model { get; init; }

    /// <summary>Which client attributes.</summary>
    public int Client { get; init; }

    public bool DisplayName { get; init; }

    /// <summary>Timestamps end in <c>+00:00</c> instead of <c>Z</c>.</summary>
    public bool PlusOffset { get; init; }

    /// <summary>The end repeats started_at.</summary>
    public bool EndCarriesStart { get; init; }

    /// <summary>The start has an otel_dump.</summary>
    public bool Otel { get; init; }

    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    /// <summary>The call's traits, drawn with <paramref name="random"/> reseeded from its content seed.</summary>
    public static CallTraits Of(PlannedCall call, WorkloadRandom random)
    {
        random.Reseed(WorkloadRandom.Mix(call.ContentSeed, 0));
        double form = random.NextDouble();
        return new CallTraits
        {
            Variant = random.Next(WorkloadCatalog.OpVariants(call.Op)),
            OpForm = form < 0.6 ? 0 : form < 0.85 ? 1 : 2,
            Model = random.Next(4),
            Client = random.Next(WorkloadContent.Attributes.Length),
            DisplayName = random.Chance(0.25),
            PlusOffset = random.Chance(0.1),
            EndCarriesStart = random.Chance(0.5),
            Otel = random.Chance(0.03),
            PromptTokens = (call.StartBytes / 4) + random.Next(40),
            CompletionTokens = (call.EndBytes / 5) + random.Next(30),
        };
    }
}
