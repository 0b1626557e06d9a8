namespace CallJoin.Migration.Validation;

/// <summary>A call's key, (project_id, id), as both tables group it.</summary>
public readonly record struct CallKeyText(string ProjectId, string Id)
{
    public override string ToString() => $"{ProjectId}/{Id}";
}
