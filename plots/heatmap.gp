# heatmap.gp: one sweep metric over two of the sweep's axes.
# Input (set by lambdasim plot heatmap): x_label, y_label, cb_label, nx, ny,
# more_axes (1: the sweep has more axes; each cell shows its best-ranked
# point), any_infeasible, v_min and v_max (the range of the values), $heat:
#   x_index  y_index  value  "label"
# and the axis values (tick labels, as data) in $xcat and $ycat:
#   index  "value"
set xlabel x_label
set ylabel y_label
set cblabel cb_label
set xrange [-0.5:nx-0.5]
set yrange [-0.5:ny-0.5]
set tics scale 0
set grid noxtics noytics
set border 15
set key off
if (more_axes) { set label 10 "each cell: the best-ranked point over the other axes" at screen 0.01, screen 0.02 left font ",10" }
if (any_infeasible) { set label 11 "* infeasible: fails a sweep constraint" at screen 0.99, screen 0.02 right font ",10" }
# Labels white on the dark end of the palette, black on the light end.
frac(v) = v_max > v_min ? (v - v_min) / (v_max - v_min) : 0.5
# The tick labels come from $xcat and $ycat (their points are NaN: not drawn).
plot $heat using 1:2:3 with image, \
     $heat using 1:2:4:(frac($3) > 0.6 ? 0x000000 : 0xffffff) with labels tc rgb variable font ",12", \
     $xcat using 1:(NaN):xticlabels(2) notitle, \
     $ycat using (NaN):1:yticlabels(2) notitle
