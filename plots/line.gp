# line.gp: one sweep metric against a numeric axis, with its 95 % band.
# Input (set by lambdasim plot line): x_label, y_label, n_series,
# series_title[], more_axes (1: each x shows its best-ranked point over the
# sweep's other axes), and $line with one block per series of
#   x  mean  mean-ci95  mean+ci95
set xlabel x_label
set ylabel y_label
set key top left
if (more_axes) { set label 10 "each point: the best-ranked over the other axes" at screen 0.01, screen 0.02 left font ",10" }
set style fill transparent solid 0.18 noborder
plot for [i=1:n_series] $line index (i-1) using 1:3:4 with filledcurves lt i notitle, \
     for [i=1:n_series] $line index (i-1) using 1:2 with linespoints lt i title series_title[i]
