A="double \"quoted\" \$HOME \`cmd\` \\ end"
B='single '"mixed"' parts'
C=plain\ escaped\ blanks rest ignored
D="unterminated
E='also unterminated
F=trailing\
G=
=novalue
export
export H=1
  I  =  spaced
J=""''
