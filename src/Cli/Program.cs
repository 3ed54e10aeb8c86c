return MlNetConv.Cli.CliApp.RunOnConsole(args);
