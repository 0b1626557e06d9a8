using CallJoin.Cli;

return await CommandLine.RunAsync(args).ConfigureAwait(false);
