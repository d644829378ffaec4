# common.gp: style shared by every lambdasim figure. Loaded by the command
# file `lambdasim plot` writes, after it has set:
#   outfile     the PNG to draw into
#   plot_title  the figure's title
# and the data and variables of the figure's own script (see each script).
#   out_format  0 png, 1 svg, 2 pdf: the terminal (from -o FILE's name)
# Every text that comes from the inputs or the command line (titles, legend
# entries, axis names, tick labels) arrives as data: a line of the data
# block $text (read into the variables by text_line(i)) or a column of a
# data block read with xticlabels()/yticlabels()/with labels. The scripts
# never eval, never build a command from a string, and keep it that way.
# Labels are taken literally (noenhanced), so field names such as
# latency_ms.p99 print as written.
if (out_format == 1) {
    set terminal svg size 1200,700 noenhanced font "DejaVu Sans,12" linewidth 1.4 background rgb "white"
} else {
    if (out_format == 2) {
        set terminal pdfcairo size 12in,7in noenhanced font "DejaVu Sans,12" linewidth 1.4
    } else {
        set terminal pngcairo size 1200,700 noenhanced font "DejaVu Sans,12" linewidth 1.4
    }
}
set output outfile
set title plot_title font ",16"
set grid back lc rgb "#e0e0e0" lw 1
set border 3 lc rgb "#444444"
set tics nomirror out
set key box lc rgb "#bbbbbb" opaque samplen 2 spacing 1.2
# A palette that reads in grey too, and for colour-blind readers (viridis).
set palette defined (0 "#440154", 1 "#3b528b", 2 "#21918c", 3 "#5ec962", 4 "#fde725")
# Series colours (Okabe-Ito).
set linetype 1 lc rgb "#0072B2" lw 2 pt 7 ps 1.0
set linetype 2 lc rgb "#E69F00" lw 2 pt 5 ps 1.0
set linetype 3 lc rgb "#009E73" lw 2 pt 9 ps 1.0
set linetype 4 lc rgb "#CC79A7" lw 2 pt 11 ps 1.0
set linetype 5 lc rgb "#D55E00" lw 2 pt 13 ps 1.0
set linetype 6 lc rgb "#56B4E9" lw 2 pt 15 ps 1.0
set linetype 7 lc rgb "#000000" lw 2 pt 1 ps 1.0
set linetype cycle 7
