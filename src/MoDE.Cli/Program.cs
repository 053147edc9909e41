System.Console.WriteLine(MoDE.Probe.Run());
