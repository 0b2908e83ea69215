A long-running program for measuring speed: twelve turns of three nested loops of 255 turns each
(200 million turns of the innermost one), then it prints "OK" and a newline
++++++++++++[>-[>-[>-[>+<-]>[-]<<-]<-]<-]
>>>>>++++++++[<++++++++++>-]<-.----.[-]++++++++++.
